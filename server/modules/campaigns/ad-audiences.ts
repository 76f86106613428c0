import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { adAudienceBody, adPlatform } from '../../../contracts/campaigns.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { type Keyring, decryptField, encryptField } from '../../platform/crypto.ts';
import { defineScheduledJob } from '../../jobs/index.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { consentGrantedSql } from '../privacy/index.ts';

type Platform = z.infer<typeof adPlatform>;
const sha256 = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');

export const adAudienceErrors = {
  notFound: (id: number) => new AppError('AD_AUDIENCE_NOT_FOUND', 'not_found', `Ad audience ${id} does not exist.`),
  segmentNotFound: (id: number) => new AppError('SEGMENT_NOT_FOUND', 'not_found', `Segment ${id} does not exist.`),
};

/** Meta and Google take a CSV; 巨量引擎 and Tencent Ads a text file, one hash a line. */
const fileTypeOf = (platform: Platform) =>
  platform === 'google' || platform === 'meta'
    ? { contentType: 'text/csv; charset=utf-8', ext: 'csv' }
    : { contentType: 'text/plain; charset=utf-8', ext: 'txt' };

/** A stored E.164 number as each platform hashes it: China's platforms take the 11 national digits of a +86 number. */
const phoneFor = (platform: Platform, e164: string) =>
  platform === 'google' ? e164 : platform === 'meta' ? e164.slice(1) : e164.startsWith('+86') ? e164.slice(3) : e164.slice(1);

/**
 * The upload file of each platform: Google and Meta Customer Match take a CSV of SHA-256 e-mail and phone columns
 * (lower-case trimmed e-mail; phone E.164, Meta without the "+"); 巨量引擎 人群包 and Tencent Ads take a text file
 * of SHA-256 mobile numbers, one a line.
 */
function fileOf(platform: Platform, people: { email: string | null; phone: string | null }[]) {
  if (platform === 'google' || platform === 'meta') {
    const header = platform === 'google' ? ['Email', 'Phone'] : ['email', 'phone'];
    const rows = people.map((p) => [
      p.email ? sha256(p.email.trim().toLowerCase()) : '',
      p.phone ? sha256(phoneFor(platform, p.phone)) : '',
    ]);
    return { file: stringify([header, ...rows]), identifiers: rows.flat().filter(Boolean).length };
  }
  const lines = [...new Set(people.flatMap((p) => (p.phone ? [sha256(phoneFor(platform, p.phone))] : [])))];
  return { file: lines.length > 0 ? `${lines.join('\n')}\n` : '', identifiers: lines.length };
}

/** The segment's people who agreed to their data being shared (PIPL art. 23), with their addresses decrypted. */
async function sharablePeople(db: Db, keyring: Keyring, segmentId: number) {
  const rows = await sql<{ email_enc: string | null; phone_enc: string | null }>`
    select c.email_enc, c.phone_enc from segment_members m join customers c on c.id = m.customer_id
    where m.segment_id = ${segmentId} and c.erased_at is null and c.merged_into is null
      and (c.email_enc is not null or c.phone_enc is not null) and ${consentGrantedSql(sql.ref('c.id'), 'any', 'sharing')}
    order by c.id`.execute(db);
  return rows.rows.map((r) => ({
    email: r.email_enc ? decryptField(keyring, r.email_enc) : null,
    phone: r.phone_enc ? decryptField(keyring, r.phone_enc) : null,
  }));
}

/** Where a rebuilt audience goes besides its file: an adapter endpoint (one POST of the file, bearer token). */
export type AudienceAdapter = (a: { id: number; platform: Platform; file: string; contentType: string }) => Promise<void>;

export const httpAdapter =
  (url: string, token: string): AudienceAdapter =>
  async (a) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': a.contentType,
        'x-patron-audience': String(a.id),
        'x-patron-platform': a.platform,
      },
      body: a.file,
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new Error(`The adapter answered ${res.status}`);
  };

/** Rebuilds one audience now: its file, counts and next time; pushed when it has an adapter; audited. */
export async function rebuildAudience(ctx: Pick<AppContext, 'db' | 'keyring' | 'clock'>, id: number, actor: Actor) {
  const row = await ctx.db.selectFrom('ad_audiences').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw adAudienceErrors.notFound(id);
  const now = ctx.clock.now();
  const people = await sharablePeople(ctx.db, ctx.keyring, Number(row.segment_id));
  const built = fileOf(row.platform, people);
  let error: string | null = null;
  if (row.push_url && row.push_token_enc)
    await httpAdapter(
      row.push_url,
      decryptField(ctx.keyring, row.push_token_enc),
    )({ id, platform: row.platform, file: built.file, contentType: fileTypeOf(row.platform).contentType }).catch((e: Error) => {
      error = e.message.slice(0, 500);
    });
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('ad_audiences')
      .set({
        file: built.file,
        people: people.length,
        identifiers: built.identifiers,
        refreshed_at: now,
        next_at: new Date(now.getTime() + row.refresh_hours * 3_600_000),
        error,
      })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor,
      action: 'ad_audience.build',
      target: { type: 'ad_audience', id },
      details: {
        segmentId: Number(row.segment_id),
        platform: row.platform,
        people: people.length,
        pushed: Boolean(row.push_url) && !error,
      },
    });
  });
  return getAudience(ctx.db, id);
}

/** The kept audiences (or one of them) with their segment's name and last build. */
export async function listAudiences(db: Db, only?: number) {
  let q = db
    .selectFrom('ad_audiences as a')
    .innerJoin('segments as s', 's.id', 'a.segment_id')
    .select([
      'a.id',
      'a.segment_id',
      's.name',
      'a.platform',
      'a.refresh_hours',
      'a.push_url',
      'a.people',
      'a.identifiers',
      'a.refreshed_at',
      'a.next_at',
      'a.error',
    ])
    .orderBy('a.id');
  if (only !== undefined) q = q.where('a.id', '=', only);
  const rows = await q.execute();
  return {
    items: rows.map((r) => ({
      id: Number(r.id),
      segmentId: Number(r.segment_id),
      segmentName: r.name,
      platform: r.platform,
      refreshHours: r.refresh_hours,
      pushUrl: r.push_url,
      people: r.people,
      identifiers: r.identifiers,
      refreshedAt: r.refreshed_at?.toISOString() ?? null,
      nextAt: r.next_at.toISOString(),
      error: r.error,
    })),
  };
}

async function getAudience(db: Db, id: number) {
  const [found] = (await listAudiences(db, id)).items;
  if (!found) throw adAudienceErrors.notFound(id);
  return found;
}

/** Keeps a segment as an audience of a platform (one per segment and platform) and builds it at once. */
export async function createAudience(ctx: AppContext, body: z.infer<typeof adAudienceBody>, actor: Actor) {
  const segment = await ctx.db.selectFrom('segments').select('id').where('id', '=', body.segmentId).executeTakeFirst();
  if (!segment) throw adAudienceErrors.segmentNotFound(body.segmentId);
  const row = await ctx.db
    .insertInto('ad_audiences')
    .values({
      segment_id: body.segmentId,
      platform: body.platform,
      refresh_hours: body.refreshHours,
      push_url: body.push?.url ?? null,
      push_token_enc: body.push ? encryptField(ctx.keyring, body.push.token) : null,
      created_by: actor.label,
    })
    .onConflict((oc) =>
      oc.columns(['segment_id', 'platform']).doUpdateSet({
        refresh_hours: body.refreshHours,
        push_url: body.push?.url ?? null,
        push_token_enc: body.push ? encryptField(ctx.keyring, body.push.token) : null,
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return rebuildAudience(ctx, Number(row.id), actor);
}

export async function deleteAudience(db: Db, id: number, actor: Actor) {
  const gone = await db.deleteFrom('ad_audiences').where('id', '=', id).executeTakeFirst();
  if (Number(gone.numDeletedRows) === 0) throw adAudienceErrors.notFound(id);
  await recordAudit(db, { actor, action: 'ad_audience.delete', target: { type: 'ad_audience', id } });
}

/** The latest file, as the platform's upload takes it; every download audited. */
export async function audienceFile(db: Db, id: number, actor: Actor) {
  const row = await db.selectFrom('ad_audiences').select(['platform', 'file', 'people']).where('id', '=', id).executeTakeFirst();
  if (!row) throw adAudienceErrors.notFound(id);
  await recordAudit(db, { actor, action: 'ad_audience.download', target: { type: 'ad_audience', id }, details: { people: row.people } });
  const type = fileTypeOf(row.platform);
  return { file: row.file ?? '', contentType: type.contentType, name: `audience-${id}-${row.platform}.${type.ext}` };
}

const SYSTEM = { type: 'system' as const, id: null, label: 'ad-audiences', ip: null };

/** The hourly refresh: every audience whose time has come, rebuilt (and pushed). */
export const adAudiencesJob = defineScheduledJob<AppContext>({
  name: 'ad-audiences-refresh',
  cron: '23 * * * *',
  expireInSeconds: 3600,
  handler: async (ctx) => {
    await refreshDueAudiences(ctx);
  },
});

export async function refreshDueAudiences(ctx: AppContext): Promise<number> {
  const due = await ctx.db.selectFrom('ad_audiences').select('id').where('next_at', '<=', ctx.clock.now()).orderBy('id').execute();
  for (const a of due) await rebuildAudience(ctx, Number(a.id), SYSTEM);
  return due.length;
}
