import { type RawBuilder, sql } from 'kysely';
import type { RuleGroup } from '../../../contracts/segments.ts';
import { type Db, applyAnalyticalSettings } from '../../db/index.ts';
import { type CompileContext, matchingCustomers, referencedSegments } from './compiler.ts';
import { type Clock, compileContext } from './rules.service.ts';
import { segmentRow } from './segments.repository.ts';

export async function recordSize(db: Db, segmentId: number, at: Date, size: number) {
  await sql`insert into segment_sizes (segment_id, measured_at, size) values (${segmentId}, date_trunc('minute', ${at}::timestamptz), ${size})
    on conflict (segment_id, measured_at) do update set size = excluded.size`.execute(db);
}

/**
 * Brings a dynamic segment's members in line with its rules — for everyone, or only for `ctx.only` (the
 * incremental path). Entries and exits are written to the membership history in the same statement.
 */
async function syncMembers(db: Db, seg: { id: number; rules: RuleGroup }, ctx: CompileContext) {
  const ids = ctx.only;
  const only = ids ? sql`c.id = any(${[...ids]}::bigint[])` : sql`true`;
  const exitScope = ids ? sql`and sm.customer_id = any(${[...ids]}::bigint[])` : sql``;
  const res = await sql<{ entered: number; exited: number }>`
    with target as (${matchingCustomers(seg.rules, ctx, only)}),
    entered as (
      insert into segment_members (segment_id, customer_id, entered_at) select ${seg.id}, id, ${ctx.now} from target
      on conflict do nothing returning customer_id),
    exited as (
      delete from segment_members sm where sm.segment_id = ${seg.id} ${exitScope} and sm.customer_id not in (select id from target)
      returning customer_id),
    opened as (
      insert into segment_membership_history (segment_id, customer_id, entered_at) select ${seg.id}, customer_id, ${ctx.now} from entered),
    closed as (
      update segment_membership_history h set exited_at = ${ctx.now} from exited x
      where h.segment_id = ${seg.id} and h.customer_id = x.customer_id and h.exited_at is null)
    select (select count(*) from entered)::int as entered, (select count(*) from exited)::int as exited`.execute(db);
  const { entered, exited } = res.rows[0];
  if (ids && entered + exited === 0) return { entered, exited };
  await recountSize(db, seg.id, ctx.now, { status: 'ready', error: null, computed_at: ctx.now });
  return { entered, exited };
}

/** Counts a segment's members into its size (and its size history), with whatever else the caller sets. */
async function recountSize(db: Db, segmentId: number, at: Date, also: { status?: 'ready'; error?: null; computed_at?: Date } = {}) {
  const size = await db
    .selectFrom('segment_members')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('segment_id', '=', segmentId)
    .executeTakeFirstOrThrow();
  await db
    .updateTable('segments')
    .set({ size: size.n, ...also })
    .where('id', '=', segmentId)
    .execute();
  await recordSize(db, segmentId, at, size.n);
}

/**
 * Takes people about to be deleted (`customers`: a query of their ids) out of the dynamic segments they are in:
 * their membership history is closed at `now` and the segments' sizes recounted. Static membership is a list
 * someone made; callers treat it as a reason to keep the person.
 */
export async function forgetDeletedMembers(db: Db, customers: RawBuilder<unknown>, now: Date): Promise<void> {
  const touched = await sql<{ segment_id: number }>`
    with exited as (
      delete from segment_members sm using segments s
      where s.id = sm.segment_id and s.kind = 'dynamic' and sm.customer_id in (${customers})
      returning sm.segment_id, sm.customer_id),
    closed as (
      update segment_membership_history h set exited_at = ${now} from exited x
      where h.segment_id = x.segment_id and h.customer_id = x.customer_id and h.exited_at is null)
    select distinct segment_id from exited`.execute(db);
  for (const { segment_id } of touched.rows) await recountSize(db, Number(segment_id), now);
}

/** Dynamic segments in dependency order (a segment after the segments its rules refer to). */
async function dynamicSegmentsInOrder(db: Db): Promise<{ id: number; rules: RuleGroup }[]> {
  const rows = await db.selectFrom('segments').select(['id', 'rules']).where('kind', '=', 'dynamic').orderBy('id').execute();
  const byId = new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), rules: r.rules as RuleGroup }]));
  const ordered: { id: number; rules: RuleGroup }[] = [];
  const done = new Set<number>();
  const visit = (id: number) => {
    const seg = byId.get(id);
    if (!seg || done.has(id)) return;
    done.add(id);
    for (const ref of referencedSegments(seg.rules)) visit(ref);
    ordered.push(seg);
  };
  for (const id of byId.keys()) visit(id);
  return ordered;
}

/** Full refresh of one dynamic segment; its status shows computing → ready, or failed with the reason. */
export async function refreshSegment(db: Db, id: number, clock: Clock) {
  const row = await segmentRow(db, id);
  if (row.kind !== 'dynamic') return { entered: 0, exited: 0 };
  await db.updateTable('segments').set({ status: 'computing' }).where('id', '=', id).execute();
  try {
    const ctx = await compileContext(db, clock, [row.rules as RuleGroup]);
    return await db.transaction().execute(async (trx) => {
      await applyAnalyticalSettings(trx);
      return syncMembers(trx, { id, rules: row.rules as RuleGroup }, ctx);
    });
  } catch (err) {
    await db
      .updateTable('segments')
      .set({ status: 'failed', error: err instanceof Error ? err.message : String(err) })
      .where('id', '=', id)
      .execute();
    throw err;
  }
}

/** Full refresh of every dynamic segment (scheduled, and after the nightly metrics recompute). */
export async function refreshAllSegments(db: Db, clock: Clock): Promise<number> {
  const segments = await dynamicSegmentsInOrder(db);
  for (const seg of segments) await refreshSegment(db, seg.id, clock).catch(() => undefined);
  return segments.length;
}

/** Incremental membership for changed customers, inside the caller's transaction (after their metrics). */
export async function syncChangedCustomers(db: Db, ids: readonly number[], clock: Clock) {
  const segments = await dynamicSegmentsInOrder(db);
  if (segments.length === 0) return;
  const ctx = {
    ...(await compileContext(
      db,
      clock,
      segments.map((s) => s.rules),
    )),
    only: ids,
  };
  for (const seg of segments) await syncMembers(db, seg, ctx);
}

export async function segmentSizeHistory(db: Db, id: number) {
  await segmentRow(db, id);
  const rows = await db
    .selectFrom('segment_sizes')
    .select(['measured_at', 'size'])
    .where('segment_id', '=', id)
    .orderBy('measured_at')
    .limit(2000)
    .execute();
  return { items: rows.map((r) => ({ at: r.measured_at.toISOString(), size: r.size })) };
}

export async function membershipHistory(
  db: Db,
  filter: { segmentId?: number; customerId?: number },
  page: { limit: number; offset: number },
) {
  // Read side: the customer's name beside the id (segments may join customers).
  let q = db
    .selectFrom('segment_membership_history as h')
    .innerJoin('segments as s', 's.id', 'h.segment_id')
    .leftJoin('customers as c', 'c.id', 'h.customer_id');
  if (filter.segmentId) q = q.where('h.segment_id', '=', filter.segmentId);
  if (filter.customerId) q = q.where('h.customer_id', '=', filter.customerId);
  const [rows, total] = await Promise.all([
    q
      .select(['h.segment_id', 's.name', 'h.customer_id', 'c.name as customer_name', 'h.entered_at', 'h.exited_at'])
      .orderBy('h.entered_at', 'desc')
      .orderBy('h.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      segmentId: Number(r.segment_id),
      segmentName: r.name,
      customerId: Number(r.customer_id),
      customerName: r.customer_name,
      enteredAt: r.entered_at.toISOString(),
      exitedAt: r.exited_at?.toISOString() ?? null,
    })),
    total: total.n,
  };
}

/** What the builder's pickers offer. */
