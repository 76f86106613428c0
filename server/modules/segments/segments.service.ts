import { type RawBuilder, sql } from 'kysely';
import { METRIC_FIELDS, OPERATORS, PROFILE_FIELDS, type RuleGroup, type SegmentBody } from '../../../contracts/segments.ts';
import { type Db, type IdRange, applyAnalyticalSettings, customerIdRanges, inSample, sampleStep } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { todayIn } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { SegmentField } from '../../platform/registry.ts';
import { recordAudit } from '../audit/index.ts';
import { normalizeExternalId } from '../customers/index.ts';
import { type CompileContext, categoriesIn, idAndNetSpent, invalidRule, matchingCustomers, referencedSegments } from './compiler.ts';

/** Read side: segments query customers, metrics, orders, events, tags, identities and consents (documented in ARCHITECTURE.md). */

export const segmentErrors = {
  notFound: (id: number) => new AppError('SEGMENT_NOT_FOUND', 'not_found', `Segment ${id} does not exist.`),
  nameTaken: (name: string) => new AppError('SEGMENT_NAME_TAKEN', 'conflict', `A segment named "${name}" already exists.`),
  inUse: (id: number, by: string[]) => new AppError('SEGMENT_IN_USE', 'conflict', `Segment ${id} is used by: ${by.join(', ')}.`, { usedBy: by }),
  notDynamic: (id: number) => new AppError('SEGMENT_NOT_DYNAMIC', 'invalid', `Segment ${id} is static: its members come from a list, not rules.`),
};

/** When rules are decided, in which time zone, and the fields modules offer to them. */
export type Clock = { now: Date; timeZone: string; fields?: readonly SegmentField[] };

/** What compiling `rules` needs to know from the database: attribute types and the products of the categories named. */
export async function compileContext(db: Db, clock: Clock, rules: readonly RuleGroup[]): Promise<CompileContext> {
  const defs = await db.selectFrom('attribute_definitions').select(['key', 'type', 'options']).execute();
  const categories = [...new Set(rules.flatMap(categoriesIn))];
  const products = categories.length > 0 ? await db.selectFrom('products').select(['id', 'category']).where('category', 'in', categories).execute() : [];
  const categoryProducts = new Map<string, number[]>();
  for (const p of products) {
    const ids = categoryProducts.get(p.category) ?? [];
    ids.push(Number(p.id));
    categoryProducts.set(p.category, ids);
  }
  return { now: clock.now, today: todayIn(clock.timeZone, clock.now), timeZone: clock.timeZone, attributes: new Map(defs.map((d) => [d.key, { type: d.type, options: d.options }])), categoryProducts, useActivity: true, fields: new Map((clock.fields ?? []).map((f) => [f.key, f])) };
}

type SegmentRow = {
  id: number;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  rules: unknown;
  status: 'pending' | 'computing' | 'ready' | 'failed';
  error: string | null;
  size: number;
  computed_at: Date | null;
  created_by: string;
  updated_at: Date;
};

const present = (r: SegmentRow): SegmentBody => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  kind: r.kind,
  rules: (r.rules as RuleGroup | null) ?? null,
  status: r.status,
  error: r.error,
  size: r.size,
  computedAt: r.computed_at?.toISOString() ?? null,
  createdBy: r.created_by,
  updatedAt: r.updated_at.toISOString(),
});

async function segmentRow(db: Db, id: number): Promise<SegmentRow> {
  const row = await db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw segmentErrors.notFound(id);
  return row as SegmentRow;
}

export const getSegment = async (db: Db, id: number) => present(await segmentRow(db, id));

export async function listSegments(db: Db): Promise<SegmentBody[]> {
  const rows = await db.selectFrom('segments').selectAll().orderBy('name').execute();
  return rows.map((r) => present(r as SegmentRow));
}

/** Checks referenced segments exist and that following references never leads back to `selfId`. */
async function checkReferences(db: Db, rules: RuleGroup, selfId: number | null) {
  const all = await db.selectFrom('segments').select(['id', 'rules']).execute();
  const refs = new Map(all.map((s) => [Number(s.id), s.rules ? referencedSegments(s.rules as RuleGroup) : []]));
  const direct = referencedSegments(rules);
  for (const id of direct) if (!refs.has(id)) throw invalidRule('rules', `segment ${id} does not exist`);
  if (selfId === null) return;
  const seen = new Set<number>();
  const stack = [...direct];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === selfId) throw invalidRule('rules', 'a segment cannot include itself, directly or through other segments');
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(refs.get(id) ?? []));
  }
}

/** Compiles a rule tree (throwing SEGMENT_RULE_INVALID with the node) and checks its segment references. */
async function compileChecked(db: Db, rules: RuleGroup, clock: Clock, selfId: number | null) {
  const ctx = await compileContext(db, clock, [rules]);
  const target = matchingCustomers(rules, ctx);
  await checkReferences(db, rules, selfId);
  return { target, ctx };
}

/** An estimate decides the rules for about this many customers. */
const ESTIMATE_SAMPLE = 10_000;

/**
 * The count of a rule tree estimated while it is edited, as the builders of Braze and Klaviyo show one: the
 * rules are decided for a sample of about 10,000 customers (`sampleStep`: by a hash of the id) and the share
 * that matches is scaled to all, with a 95% Wilson interval. Order and event conditions aggregate only the sample's rows (index
 * lookups), so the time does not grow with the shop; the exact count (previewRules) follows. A shop that small
 * gets the exact count.
 */
export async function estimateRules(db: Db, rules: RuleGroup, clock: Clock, sampleSize = ESTIMATE_SAMPLE) {
  const { ctx } = await compileChecked(db, rules, clock, null);
  const started = performance.now();
  return db.transaction().execute(async (trx) => {
    await applyAnalyticalSettings(trx);
    // The population and the sample from one scan of the customers.
    const every = await sampleStep(trx, 'customers', sampleSize);
    const drawn = await sql<{ population: number; ids: number[] | null }>`
      select count(*)::int as population, array_agg(id) filter (where ${inSample(sql`id`, every)}) as ids
      from customers where merged_into is null and erased_at is null`.execute(trx);
    const { population } = drawn.rows[0];
    const ids = (drawn.rows[0].ids ?? []).map(Number);
    const exact = every === 1;
    const target = matchingCustomers(rules, exact ? ctx : { ...ctx, only: ids }, exact ? sql`true` : sql`c.id = any(${ids}::bigint[])`);
    const matched = Number((await sql<{ n: number }>`select count(*)::int as n from (${target}) t`.execute(trx)).rows[0].n);
    const n = exact ? population : ids.length;
    const [low, high] = exact || n === 0 ? [matched, matched] : wilson(matched, n).map((p) => Math.round(p * population));
    return { count: exact || n === 0 ? matched : Math.round((matched / n) * population), low, high, sampled: n, population, exact, tookMs: Math.round(performance.now() - started) };
  });
}

/** The 95% Wilson score interval of a proportion (k of n). */
function wilson(k: number, n: number): [number, number] {
  const z = 1.96;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * A large shop's count runs as this many customer-id ranges side by side: one statement is one core, and each
 * also waits on reads, so one more range than this class of machine's two cores kept both busy (scale L: two
 * ranges 1.1 s, three 0.85 s, four 0.95 s; bench/README.md).
 */
const COUNT_RANGES = 3;
/** Below this many customers (the planner's estimate) one statement is quicker than several (`splitFrom` overrides it). */
const SPLIT_FROM = 200_000;

/** The customer-id ranges a count is split into, or one unrestricted pass for a smaller shop. */
async function countRanges(db: Db, splitFrom: number): Promise<(IdRange | undefined)[]> {
  const r = await sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'customers'::regclass`.execute(db);
  if (Number(r.rows[0]?.n ?? 0) < splitFrom) return [undefined];
  const ranges = await customerIdRanges(db, { parts: COUNT_RANGES });
  return ranges.length > 0 ? ranges : [undefined];
}

type SampleRow = { id: number; name: string | null; province: string | null; lifecycle_stage: string | null; net_spent: number | null };
/** The preview's order: most spent first (no metrics last), then by id. */
const bySpent = (a: SampleRow, b: SampleRow) => (b.net_spent ?? Number.NEGATIVE_INFINITY) - (a.net_spent ?? Number.NEGATIVE_INFINITY) || Number(a.id) - Number(b.id);

/**
 * Counts (and samples) the customers a rule tree matches now, without saving anything. A large shop's count is
 * the same statement over customer-id ranges run side by side (each range's sets restricted to it, see
 * `CompileContext.range`), summed; each range brings its own top of the sample.
 */
export async function previewRules(db: Db, rules: RuleGroup, clock: Clock, opts: { sample?: number; showSql?: boolean; splitFrom?: number } = {}) {
  const { ctx, target } = await compileChecked(db, rules, clock, null);
  const started = performance.now();
  const limit = opts.sample ?? 20;
  const parts = await Promise.all(
    (await countRanges(db, opts.splitFrom ?? SPLIT_FROM)).map((range) =>
      db.transaction().execute(async (trx) => {
        await applyAnalyticalSettings(trx, { sideBySide: range !== undefined });
        // One statement: the matching set (with what the sample is ordered by) is computed once, then counted, and
        // only the sample's rows are read again.
        const row = await sql<{ n: number; sample: SampleRow[] }>`
          with t as materialized (${matchingCustomers(rules, { ...ctx, range }, sql`true`, idAndNetSpent(rules))})
          select (select count(*)::int from t) as n,
            (select coalesce(json_agg(x), '[]') from (
              select c.id, c.name, c.province, m.lifecycle_stage, m.net_spent
              from (select id from t order by net_spent desc nulls last, id limit ${limit}) top
              join customers c on c.id = top.id left join customer_metrics m on m.customer_id = c.id) x) as sample`.execute(trx);
        return row.rows[0];
      }),
    ),
  );
  const sample = parts.flatMap((p) => p.sample).sort(bySpent).slice(0, limit);
  return {
    count: parts.reduce((sum, p) => sum + p.n, 0),
    sample: sample.map((r) => ({ id: Number(r.id), name: r.name, province: r.province, lifecycleStage: r.lifecycle_stage, netSpent: Number(r.net_spent ?? 0) })),
    sql: opts.showSql ? target.compile(db).sql : undefined,
    tookMs: Math.round(performance.now() - started),
  };
}

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

export async function createDynamicSegment(db: Db, opts: { name: string; description?: string; rules: RuleGroup; actor: Actor; clock: Clock; onSaved: OnSaved }) {
  await compileChecked(db, opts.rules, opts.clock, null);
  return uniqueName(
    () =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('segments')
          .values({ name: opts.name, description: opts.description ?? null, kind: 'dynamic', rules: JSON.stringify(opts.rules), created_by: opts.actor.label, updated_at: opts.clock.now })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAudit(trx, { actor: opts.actor, action: 'segment.create', target: { type: 'segment', id: String(row.id) }, after: { name: opts.name, rules: opts.rules } });
        await opts.onSaved(trx, Number(row.id));
        return present(row as SegmentRow);
      }),
    opts.name,
  );
}

/** A static segment from customer ids and/or per-channel external ids; unknown ones are reported, not fatal. */
export async function createStaticSegment(
  db: Db,
  opts: { name: string; description?: string; customerIds?: number[]; externalIds?: { channel: string; id: string }[]; fromSegmentId?: number; actor: Actor; clock: Clock },
) {
  return uniqueName(
    () =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('segments')
          .values({ name: opts.name, description: opts.description ?? null, kind: 'static', rules: null, created_by: opts.actor.label, updated_at: opts.clock.now, status: 'ready', computed_at: opts.clock.now })
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
        await recordAudit(trx, { actor: opts.actor, action: 'segment.create', target: { type: 'segment', id: String(row.id) }, after: { name: opts.name, kind: 'static', size } });
        const requested = (opts.customerIds?.length ?? 0) + ext.length;
        return { segment: { ...present(row as SegmentRow), size }, unmatched: opts.fromSegmentId ? 0 : Math.max(0, requested - size) };
      }),
    opts.name,
  );
}

export async function updateSegment(db: Db, id: number, opts: { name?: string; description?: string | null; rules?: RuleGroup; actor: Actor; clock: Clock; onSaved: OnSaved }) {
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
        await recordAudit(trx, { actor: opts.actor, action: 'segment.update', target: { type: 'segment', id: String(id) }, before: { name: before.name, rules: before.rules }, after: { name: row.name, rules: row.rules } });
        if (opts.rules) await opts.onSaved(trx, id);
        return present(row as SegmentRow);
      }),
    opts.name ?? before.name,
  );
}

export async function deleteSegment(db: Db, id: number, actor: Actor) {
  const row = await segmentRow(db, id);
  const users = (await db.selectFrom('segments').select(['id', 'name', 'rules']).where('id', '<>', id).execute()).filter((s) => s.rules && referencedSegments(s.rules as RuleGroup).includes(id));
  if (users.length) throw segmentErrors.inUse(id, users.map((u) => u.name));
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('segments').where('id', '=', id).execute();
    await recordAudit(trx, { actor, action: 'segment.delete', target: { type: 'segment', id: String(id) }, before: { name: row.name, rules: row.rules } });
  });
}

async function recordSize(db: Db, segmentId: number, at: Date, size: number) {
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
  const size = await db.selectFrom('segment_members').select(sql<number>`count(*)::int`.as('n')).where('segment_id', '=', segmentId).executeTakeFirstOrThrow();
  await db.updateTable('segments').set({ size: size.n, ...also }).where('id', '=', segmentId).execute();
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
    await db.updateTable('segments').set({ status: 'failed', error: err instanceof Error ? err.message : String(err) }).where('id', '=', id).execute();
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
  const ctx = { ...(await compileContext(db, clock, segments.map((s) => s.rules))), only: ids };
  for (const seg of segments) await syncMembers(db, seg, ctx);
}

export async function segmentSizeHistory(db: Db, id: number) {
  await segmentRow(db, id);
  const rows = await db.selectFrom('segment_sizes').select(['measured_at', 'size']).where('segment_id', '=', id).orderBy('measured_at').limit(2000).execute();
  return { items: rows.map((r) => ({ at: r.measured_at.toISOString(), size: r.size })) };
}

export async function membershipHistory(db: Db, filter: { segmentId?: number; customerId?: number }, page: { limit: number; offset: number }) {
  // Read side: the customer's name beside the id (segments may join customers).
  let q = db.selectFrom('segment_membership_history as h').innerJoin('segments as s', 's.id', 'h.segment_id').leftJoin('customers as c', 'c.id', 'h.customer_id');
  if (filter.segmentId) q = q.where('h.segment_id', '=', filter.segmentId);
  if (filter.customerId) q = q.where('h.customer_id', '=', filter.customerId);
  const [rows, total] = await Promise.all([
    q.select(['h.segment_id', 's.name', 'h.customer_id', 'c.name as customer_name', 'h.entered_at', 'h.exited_at']).orderBy('h.entered_at', 'desc').orderBy('h.id', 'desc').limit(page.limit).offset(page.offset).execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({ segmentId: Number(r.segment_id), segmentName: r.name, customerId: Number(r.customer_id), customerName: r.customer_name, enteredAt: r.entered_at.toISOString(), exitedAt: r.exited_at?.toISOString() ?? null })),
    total: total.n,
  };
}

/** What the builder's pickers offer. */
export async function segmentCatalog(db: Db, fields: readonly SegmentField[]) {
  const [attributes, channels, products, categories, tags, events, segments] = await Promise.all([
    db.selectFrom('attribute_definitions').select(['key', 'label', 'type', 'options']).orderBy('key').execute(),
    db.selectFrom('channels').select(['code', 'name']).orderBy('code').execute(),
    // The first products for the picker; it searches the rest (GET /products?q=).
    db.selectFrom('products').select(['id', 'sku', 'name', 'category']).orderBy('category').orderBy('name').limit(200).execute(),
    db.selectFrom('products').select('category').distinct().where('category', '<>', '').orderBy('category').execute(),
    sql<{ tag: string }>`select distinct tag from customer_tags order by tag limit 1000`.execute(db),
    // Distinct event names by skipping through the (name, occurred_at) index: fast at any table size.
    sql<{ name: string }>`with recursive n as (select min(name) as name from events
      union all select (select min(name) from events where name > n.name) from n where n.name is not null)
      select name from n where name is not null limit 500`.execute(db),
    db.selectFrom('segments').select(['id', 'name']).orderBy('name').execute(),
  ]);
  return {
    profileFields: Object.entries(PROFILE_FIELDS).map(([field, type]) => ({ field, type })),
    metricFields: Object.entries(METRIC_FIELDS).map(([field, type]) => ({ field, type })),
    moduleFields: fields.map((f) => ({ field: f.key, type: f.type, options: [...(f.options ?? [])], label: f.label })),
    attributes,
    channels,
    categories: categories.map((c) => c.category),
    products,
    tags: tags.rows.map((t) => t.tag),
    eventNames: events.rows.map((e) => e.name),
    segments: segments.map((s) => ({ id: Number(s.id), name: s.name })),
    operators: Object.fromEntries(Object.entries(OPERATORS).map(([k, v]) => [k, [...v]])),
  };
}

/** Creates (by name, once) and computes example segments — the demo store's starting point. */
export async function createDemoSegments(db: Db, segments: { name: string; description: string; rules: RuleGroup }[], clock: Clock): Promise<number> {
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
