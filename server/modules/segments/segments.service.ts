import { sql } from 'kysely';
import type { RuleGroup, SegmentBody } from '../../../contracts/segments.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { recordAudit } from '../audit/index.ts';
import { normalizeExternalId } from '../customers/index.ts';
import { referencedSegments } from './compiler.ts';
import { recordSize, refreshSegment } from './membership.service.ts';
import { type Clock, compileChecked } from './rules.service.ts';
import { segmentErrors } from './segments.errors.ts';
import { type SegmentRow, present, segmentRow } from './segments.repository.ts';

/** Read side: segments query customers, metrics, orders, events, tags, identities and consents (documented in ARCHITECTURE.md). */

export const getSegment = async (db: Db, id: number) => present(await segmentRow(db, id));

export async function listSegments(db: Db): Promise<SegmentBody[]> {
  const rows = await db.selectFrom('segments').selectAll().orderBy('name').execute();
  return rows.map((r) => present(r as SegmentRow));
}

/** Checks referenced segments exist and that following references never leads back to `selfId`. */

async function uniqueName<T>(fn: () => Promise<T>, name: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw segmentErrors.nameTaken(name);
    throw err;
  }
}

/** Enqueues the segment's full refresh inside the transaction that created or changed it. */
export type OnSaved = (trx: Db, segmentId: number) => Promise<unknown>;

export async function createDynamicSegment(
  db: Db,
  opts: { name: string; description?: string; rules: RuleGroup; actor: Actor; clock: Clock; onSaved: OnSaved },
) {
  await compileChecked(db, opts.rules, opts.clock, null);
  return uniqueName(
    () =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('segments')
          .values({
            name: opts.name,
            description: opts.description ?? null,
            kind: 'dynamic',
            rules: JSON.stringify(opts.rules),
            created_by: opts.actor.label,
            updated_at: opts.clock.now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAudit(trx, {
          actor: opts.actor,
          action: 'segment.create',
          target: { type: 'segment', id: String(row.id) },
          after: { name: opts.name, rules: opts.rules },
        });
        await opts.onSaved(trx, Number(row.id));
        return present(row as SegmentRow);
      }),
    opts.name,
  );
}

/** A static segment from customer ids and/or per-channel external ids; unknown ones are reported, not fatal. */
export async function createStaticSegment(
  db: Db,
  opts: {
    name: string;
    description?: string;
    customerIds?: number[];
    externalIds?: { channel: string; id: string }[];
    fromSegmentId?: number;
    actor: Actor;
    clock: Clock;
  },
) {
  return uniqueName(
    () =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('segments')
          .values({
            name: opts.name,
            description: opts.description ?? null,
            kind: 'static',
            rules: null,
            created_by: opts.actor.label,
            updated_at: opts.clock.now,
            status: 'ready',
            computed_at: opts.clock.now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const ext = opts.externalIds ?? [];
        const sources = [
          sql`select c.id from customers c where c.id = any(${opts.customerIds ?? []}::bigint[]) and c.merged_into is null and c.erased_at is null`,
          sql`select i.customer_id from customer_identities i join unnest(${ext.map((e) => e.channel)}::text[], ${ext.map((e) => normalizeExternalId(e.id))}::text[]) as x(channel, key)
            on i.kind = 'external' and i.channel = x.channel and i.key = x.key`,
          ...(opts.fromSegmentId ? [sql`select customer_id from segment_members where segment_id = ${opts.fromSegmentId}`] : []),
        ];
        const added = await sql<{ customer_id: number }>`
          insert into segment_members (segment_id, customer_id, entered_at)
          select ${row.id}, id, ${opts.clock.now} from (${sql.join(sources, sql` union `)}) s(id)
          on conflict do nothing returning customer_id`.execute(trx);
        await sql`insert into segment_membership_history (segment_id, customer_id, entered_at)
          select ${row.id}, customer_id, ${opts.clock.now} from segment_members where segment_id = ${row.id}`.execute(trx);
        const size = added.rows.length;
        await trx.updateTable('segments').set({ size }).where('id', '=', row.id).execute();
        await recordSize(trx, Number(row.id), opts.clock.now, size);
        await recordAudit(trx, {
          actor: opts.actor,
          action: 'segment.create',
          target: { type: 'segment', id: String(row.id) },
          after: { name: opts.name, kind: 'static', size },
        });
        const requested = (opts.customerIds?.length ?? 0) + ext.length;
        return { segment: { ...present(row as SegmentRow), size }, unmatched: opts.fromSegmentId ? 0 : Math.max(0, requested - size) };
      }),
    opts.name,
  );
}

export async function updateSegment(
  db: Db,
  id: number,
  opts: { name?: string; description?: string | null; rules?: RuleGroup; actor: Actor; clock: Clock; onSaved: OnSaved },
) {
  const before = await segmentRow(db, id);
  if (opts.rules) {
    if (before.kind !== 'dynamic') throw segmentErrors.notDynamic(id);
    await compileChecked(db, opts.rules, opts.clock, id);
  }
  return uniqueName(
    () =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('segments')
          .set({
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.description !== undefined ? { description: opts.description } : {}),
            ...(opts.rules ? { rules: JSON.stringify(opts.rules), status: 'pending' as const } : {}),
            updated_at: opts.clock.now,
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAudit(trx, {
          actor: opts.actor,
          action: 'segment.update',
          target: { type: 'segment', id: String(id) },
          before: { name: before.name, rules: before.rules },
          after: { name: row.name, rules: row.rules },
        });
        if (opts.rules) await opts.onSaved(trx, id);
        return present(row as SegmentRow);
      }),
    opts.name ?? before.name,
  );
}

export async function deleteSegment(db: Db, id: number, actor: Actor) {
  const row = await segmentRow(db, id);
  const users = (await db.selectFrom('segments').select(['id', 'name', 'rules']).where('id', '<>', id).execute()).filter(
    (s) => s.rules && referencedSegments(s.rules as RuleGroup).includes(id),
  );
  if (users.length)
    throw segmentErrors.inUse(
      id,
      users.map((u) => u.name),
    );
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('segments').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'segment.delete',
      target: { type: 'segment', id: String(id) },
      before: { name: row.name, rules: row.rules },
    });
  });
}

export async function createDemoSegments(
  db: Db,
  segments: { name: string; description: string; rules: RuleGroup }[],
  clock: Clock,
): Promise<number> {
  const actor: Actor = { type: 'system', id: null, label: 'demo', ip: null };
  let created = 0;
  for (const s of segments) {
    const exists = await db.selectFrom('segments').select('id').where('name', '=', s.name).executeTakeFirst();
    if (exists) continue;
    const seg = await createDynamicSegment(db, { ...s, actor, clock, onSaved: async () => undefined });
    await refreshSegment(db, seg.id, clock);
    created++;
  }
  return created;
}
