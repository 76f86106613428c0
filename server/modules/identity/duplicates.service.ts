import { sql } from 'kysely';
import type { z } from 'zod';
import type { duplicatePairQuery } from '../../../contracts/customers.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { defineScheduledJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { readSetting, writeSetting } from '../system/index.ts';

/**
 * The duplicate review queue. A scan finds candidate pairs by exact keys, so it stays a few hash joins
 * at a million customers: the same phone or e-mail on two profiles, a shared address, the same name with
 * the same birthday. Blocks larger than BLOCK (an office address, a shop's phone) suggest nothing. Each
 * candidate is scored — name similarity (pg_trgm) 0.4, same city 0.2, same birthday 0.3, shared address
 * 0.5, same phone or e-mail 1, capped at 1 — and kept from THRESHOLD up (family members at one address
 * score 0.7 and are not suggested). Dismissed pairs stay dismissed.
 */
const BLOCK = 20;
export const THRESHOLD = 0.8;

/** The features two profiles share, as SQL over their rows `a` and `b` (aliases) — one definition for the scan and the 360 page. */
const features = (a: string, b: string) => sql`
  similarity(coalesce(${sql.ref(`${a}.name`)}, ''), coalesce(${sql.ref(`${b}.name`)}, '')) as name_sim,
  coalesce(${sql.ref(`${a}.city`)} = ${sql.ref(`${b}.city`)}, false) as same_city, coalesce(${sql.ref(`${a}.birthday`)} = ${sql.ref(`${b}.birthday`)}, false) as same_birthday,
  coalesce(${sql.ref(`${a}.phone_bidx`)} = ${sql.ref(`${b}.phone_bidx`)}, false) as same_phone, coalesce(${sql.ref(`${a}.email_bidx`)} = ${sql.ref(`${b}.email_bidx`)}, false) as same_email,
  exists (select 1 from customer_addresses p join customer_addresses q on q.address_bidx = p.address_bidx
          where p.customer_id = ${sql.ref(`${a}.id`)} and q.customer_id = ${sql.ref(`${b}.id`)}) as same_address`;

/** The score and reasons of a row of `features`. */
const scoreOfFeatures = sql`
  least(1, 0.4 * name_sim + case when same_city then 0.2 else 0 end + case when same_birthday then 0.3 else 0 end
    + case when same_address then 0.5 else 0 end + case when same_phone or same_email then 1 else 0 end) as score,
  array_remove(array[case when name_sim >= 0.5 then 'name' end, case when same_city then 'city' end, case when same_birthday then 'birthday' end,
    case when same_address then 'address' end, case when same_phone then 'phone' end, case when same_email then 'email' end], null) as reasons`;

export const duplicateErrors = {
  notFound: (id: number) => new AppError('DUPLICATE_PAIR_NOT_FOUND', 'not_found', `Duplicate suggestion ${id} does not exist.`),
  resolved: (id: number) => new AppError('DUPLICATE_PAIR_RESOLVED', 'conflict', `Duplicate suggestion ${id} was already resolved.`),
};

export async function scanDuplicates(db: Db, now: Date): Promise<{ candidates: number; open: number }> {
  const found = await sql<{ n: number }>`
    with active as (
      select id, name, birthday, city, phone_bidx, email_bidx,
        count(*) over (partition by name, birthday) as name_block,
        count(*) over (partition by phone_bidx) as phone_block,
        count(*) over (partition by email_bidx) as email_block
      from customers where merged_into is null and erased_at is null
    ),
    places as (
      select a.customer_id, a.address_bidx, count(*) over (partition by a.address_bidx) as block
      from customer_addresses a join active c on c.id = a.customer_id
    ),
    candidates as (
      select a.id as x, b.id as y from active a join active b on a.name = b.name and a.birthday = b.birthday and a.id < b.id where a.name_block <= ${BLOCK}
      union select a.id, b.id from active a join active b on a.phone_bidx = b.phone_bidx and a.id < b.id where a.phone_block <= ${BLOCK}
      union select a.id, b.id from active a join active b on a.email_bidx = b.email_bidx and a.id < b.id where a.email_block <= ${BLOCK}
      union select p.customer_id, q.customer_id from places p join places q on q.address_bidx = p.address_bidx and p.customer_id < q.customer_id where p.block <= ${BLOCK}
    ),
    features as (
      select c.x, c.y, ${features('a', 'b')}
      from candidates c join active a on a.id = c.x join active b on b.id = c.y
    ),
    scored as (select x, y, ${scoreOfFeatures} from features),
    stored as (
      insert into duplicate_suggestions (customer_a, customer_b, score, reasons, found_at)
      select x, y, score, reasons, ${now} from scored where score >= ${THRESHOLD}
      on conflict (customer_a, customer_b) do update set score = excluded.score, reasons = excluded.reasons, found_at = excluded.found_at
        where duplicate_suggestions.status = 'open'
      returning 1
    )
    select count(*)::int as n from stored`.execute(db);
  const open = await db
    .selectFrom('duplicate_suggestions')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return { candidates: found.rows[0].n, open: open.n };
}

/**
 * Likely duplicates of one customer for the 360 page, scored as the scan scores them and shown from the same
 * threshold: a similar name (trigram), or the same phone, e-mail or address, then the features they share.
 */
export async function duplicateCandidates(db: Db, customerId: number, limit = 10) {
  const rows = await sql<{ id: number; name: string | null; city: string | null; score: number; reasons: string[] }>`
    with candidates as (
      select c.* from customers me join customers c on c.id <> me.id and c.merged_into is null and c.erased_at is null
        and (c.name % me.name or c.phone_bidx = me.phone_bidx or c.email_bidx = me.email_bidx)
      where me.id = ${customerId}
      union
      select c.* from customer_addresses p join customer_addresses q on q.address_bidx = p.address_bidx and q.customer_id <> p.customer_id
        join customers c on c.id = q.customer_id and c.merged_into is null and c.erased_at is null
      where p.customer_id = ${customerId}
    ),
    featured as (select c.id, c.name, c.city, ${features('me', 'c')} from candidates c cross join customers me where me.id = ${customerId}),
    scored as (select id, name, city, ${scoreOfFeatures} from featured)
    select id, name, city, score::float as score, reasons from scored where score >= ${THRESHOLD}
    order by score desc, id limit ${limit}`.execute(db);
  return rows.rows.map((r) => ({ id: r.id, name: r.name, city: r.city, score: Math.round(r.score * 100) / 100, reasons: r.reasons }));
}

/** Open (or resolved) pairs, best first; pairs where either person was since merged or erased are left out of the open queue. */
export async function listDuplicatePairs(db: Db, q: z.infer<typeof duplicatePairQuery>) {
  let base = db
    .selectFrom('duplicate_suggestions as d')
    .innerJoin('customers as a', 'a.id', 'd.customer_a')
    .innerJoin('customers as b', 'b.id', 'd.customer_b')
    .where('d.status', '=', q.status);
  if (q.status === 'open')
    base = base
      .where('a.merged_into', 'is', null)
      .where('b.merged_into', 'is', null)
      .where('a.erased_at', 'is', null)
      .where('b.erased_at', 'is', null);
  const [rows, total] = await Promise.all([
    base
      .select([
        'd.id',
        'd.score',
        'd.reasons',
        'd.status',
        'd.found_at',
        'd.resolved_by',
        'a.id as a_id',
        'a.name as a_name',
        'a.city as a_city',
        'a.birthday as a_birthday',
        'b.id as b_id',
        'b.name as b_name',
        'b.city as b_city',
        'b.birthday as b_birthday',
      ])
      .orderBy('d.score', 'desc')
      .orderBy('d.id')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id,
      score: Math.round(r.score * 100) / 100,
      reasons: r.reasons,
      status: r.status,
      foundAt: r.found_at.toISOString(),
      resolvedBy: r.resolved_by,
      a: { id: r.a_id, name: r.a_name, city: r.a_city, birthday: r.a_birthday },
      b: { id: r.b_id, name: r.b_name, city: r.b_city, birthday: r.b_birthday },
    })),
    total: total.n,
    lastScan: await lastScan(db),
  };
}

export async function dismissDuplicatePair(db: Db, opts: { id: number; actor: Actor; now: Date }) {
  return db.transaction().execute(async (trx) => {
    const pair = await trx
      .selectFrom('duplicate_suggestions')
      .select(['id', 'status', 'customer_a', 'customer_b'])
      .where('id', '=', opts.id)
      .forUpdate()
      .executeTakeFirst();
    if (!pair) throw duplicateErrors.notFound(opts.id);
    if (pair.status !== 'open') throw duplicateErrors.resolved(opts.id);
    await trx
      .updateTable('duplicate_suggestions')
      .set({ status: 'dismissed', resolved_at: opts.now, resolved_by: opts.actor.label })
      .where('id', '=', pair.id)
      .execute();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'customers.duplicate_dismissed',
      target: { type: 'customer', id: pair.customer_a },
      details: { pair: pair.id, other: pair.customer_b },
    });
    return { ok: true as const };
  });
}

/** A merge resolves the pair it came from; its undo reopens it. */
export async function markPairMerged(trx: Db, ids: [number, number], merged: { actor: Actor; now: Date } | null) {
  const [a, b] = ids[0] < ids[1] ? ids : [ids[1], ids[0]];
  const pair = trx.updateTable('duplicate_suggestions').where('customer_a', '=', a).where('customer_b', '=', b);
  if (merged)
    await pair.set({ status: 'merged', resolved_at: merged.now, resolved_by: merged.actor.label }).where('status', '=', 'open').execute();
  else await pair.set({ status: 'open', resolved_at: null, resolved_by: null }).where('status', '=', 'merged').execute();
}

type ScanState = { startedAt: string | null; finishedAt: string | null; found: number | null };
const SCAN_KEY = 'duplicates_scan';
const NO_SCAN: ScanState = { startedAt: null, finishedAt: null, found: null };
const SCAN_ACTOR = { type: 'system' as const, id: null, label: 'duplicates-scan', ip: null };

/** When the latest scan started and finished, and what it found (the review queue says whether one is running). */
export async function lastScan(db: Db) {
  const s = await readSetting(db, SCAN_KEY, NO_SCAN);
  return s.startedAt ? { startedAt: s.startedAt, finishedAt: s.finishedAt, found: s.found } : null;
}

/** Nightly (and on request): the duplicate scan. */
export const duplicatesScanJob = defineScheduledJob<AppContext>({
  name: 'duplicates-scan',
  cron: '20 3 * * *',
  expireInSeconds: 3600,
  handler: async (ctx) => {
    const startedAt = ctx.clock.now().toISOString();
    await writeSetting(ctx.db, {
      key: SCAN_KEY,
      value: { startedAt, finishedAt: null, found: null },
      fallback: NO_SCAN,
      actor: SCAN_ACTOR,
    });
    const result = await scanDuplicates(ctx.db, ctx.clock.now());
    await writeSetting(ctx.db, {
      key: SCAN_KEY,
      value: { startedAt, finishedAt: ctx.clock.now().toISOString(), found: result.candidates },
      fallback: NO_SCAN,
      actor: SCAN_ACTOR,
    });
    ctx.log.info({ result }, 'duplicate scan finished');
  },
});
