import type { Selectable } from 'kysely';
import type { Db, SourceTable } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { constantTimeEqual } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { randomToken, sha256 } from '../../platform/ids.ts';
import { recentRows } from '../../platform/recent-rows.ts';
import { recordAudit } from '../audit/index.ts';
import { ensureChannel } from '../commerce/index.ts';

/** A tracking source: who sends events with one write key, and which sales channel they belong to. */
export type Source = {
  id: number;
  name: string;
  channelId: number;
  channel: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const WRITE_KEY = /^pws_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

const toSource = (r: Selectable<SourceTable> & { channel: string }): Source => ({
  id: r.id,
  name: r.name,
  channelId: r.channel_id!,
  channel: r.channel,
  prefix: `pws_${r.key_prefix}`,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

const withChannel = (db: Db) =>
  db
    .selectFrom('sources')
    .innerJoin('channels', 'channels.id', 'sources.channel_id')
    .selectAll('sources')
    .select('channels.code as channel');

export async function createSource(
  db: Db,
  opts: { name: string; channel?: string; actor: Actor },
): Promise<{ source: Source; writeKey: string }> {
  const prefix = randomToken(9);
  const writeKey = `pws_${prefix}_${randomToken(32)}`;
  return db.transaction().execute(async (trx) => {
    const code = opts.channel ?? 'web';
    const channelId = await ensureChannel(trx, { code, name: code, kind: 'web', platform: code });
    const row = await trx
      .insertInto('sources')
      .values({ name: opts.name, channel_id: channelId, key_prefix: prefix, key_hash: sha256(writeKey) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'source.create',
      target: { type: 'source', id: row.id },
      after: { name: opts.name, channel: code },
    });
    const source = await withChannel(trx).where('sources.id', '=', row.id).executeTakeFirstOrThrow();
    return { source: toSource(source), writeKey };
  });
}

export async function listSources(db: Db): Promise<Source[]> {
  return (await withChannel(db).orderBy('sources.id', 'desc').execute()).map(toSource);
}

export async function revokeSource(db: Db, opts: { id: number; actor: Actor; now: Date }): Promise<Source> {
  const row = await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('sources')
      .set({ revoked_at: opts.now })
      .where('id', '=', opts.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const r = await withChannel(trx).where('sources.id', '=', opts.id).executeTakeFirst();
    if (!r) throw new AppError('SOURCE_NOT_FOUND', 'not_found', `Source ${opts.id} does not exist.`);
    if (Number(updated.numUpdatedRows) > 0)
      await recordAudit(trx, { actor: opts.actor, action: 'source.revoke', target: { type: 'source', id: opts.id } });
    return r;
  });
  // After the commit: a call reading the source before it would cache it unrevoked.
  sourceCache.drop(row.key_prefix);
  return toSource(row);
}

/** Sources read lately (for 5 s), by key prefix; the key is checked against the stored hash on every call. */
const sourceCache = recentRows<Db, Selectable<SourceTable> & { channel: string }>(5_000);

export async function authenticateWriteKey(db: Db, writeKey: string, now: Date): Promise<Source | null> {
  const m = WRITE_KEY.exec(writeKey);
  if (!m) return null;
  const row = await sourceCache.read(db, m[1], now, () => withChannel(db).where('sources.key_prefix', '=', m[1]).executeTakeFirst());
  if (!row || row.revoked_at || !constantTimeEqual(row.key_hash, sha256(writeKey))) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    row.last_used_at = now;
    await db.updateTable('sources').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return toSource(row);
}
