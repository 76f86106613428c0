import { type RawBuilder, sql } from 'kysely';
import { type Db, applyAnalyticalSettings, customerIdRanges, inSample, sampleStep, sideBySide } from '../../db/index.ts';
import { todayIn } from '../../platform/clock.ts';
import {
  type BuyerSummaries,
  type ClvFit,
  type ClvScope,
  type Summary,
  PERIOD_DAYS,
  type Period,
  buyerSummaries,
  clvSummaries,
  predict,
  scopeFilter,
  windowEnd,
} from './clv.service.ts';
import { calibrationVsHoldoutAside, fitSummariesAside } from './holdout.ts';
import { rfmGroup } from './rfm.service.ts';

/**
 * Stored customer metrics (read side: joins orders, order_items, products, events, customers). One code path
 * serves the incremental refresh (ids from customer_changes) and the full recompute (id ranges): an upsert of
 * the aggregates, RFM scores from stored breakpoints and the lifecycle stage in SQL, then predictions in TS.
 */

export const DEFAULT_RFM_WINDOW_DAYS = 365;
export const DEFAULT_PERIOD: Period = 'week';
/** Predictions look twelve months ahead. */
export const HORIZON_DAYS = 365;
const CHUNK = 20_000;
const PARALLEL_CHUNKS = 2;
const LIFECYCLE_SAMPLE = 125_000;

export type LifecycleThresholds = { activeDays: number; atRiskDays: number; lapsedDays: number; source: 'derived' | 'configured' | 'default' };
export const DEFAULT_LIFECYCLE: LifecycleThresholds = { activeDays: 90, atRiskDays: 180, lapsedDays: 365, source: 'default' };
/** RFM score breakpoints: b[s-1] is the largest value scoring s (s = 1…4); recency is scored on its negative. */
export type RfmBreakpoints = { asOf: string; windowDays: number; r: number[]; f: number[]; m: number[] };
export type Models = { lifecycle: LifecycleThresholds; rfm: RfmBreakpoints | null; clv: ClvFit | null };

export async function loadModels(db: Db): Promise<Models> {
  const rows = await sql<{ kind: 'clv' | 'rfm' | 'lifecycle'; status: string; params: unknown }>`
    select distinct on (kind) kind, status, params from analytics_models order by kind, fitted_at desc, id desc`.execute(db);
  const of = (kind: string) => rows.rows.find((r) => r.kind === kind && r.status === 'ready')?.params;
  return {
    lifecycle: (of('lifecycle') as LifecycleThresholds | undefined) ?? DEFAULT_LIFECYCLE,
    rfm: (of('rfm') as RfmBreakpoints | undefined) ?? null,
    clv: (of('clv') as ClvFit | undefined) ?? null,
  };
}

export async function saveModel(db: Db, kind: 'clv' | 'rfm' | 'lifecycle', status: 'ready' | 'insufficient_data', params: unknown, at: Date) {
  await db.insertInto('analytics_models').values({ kind, status, params: JSON.stringify(params), fitted_at: at }).execute();
}

/**
 * Lifecycle thresholds from the shop's own purchase intervals: active within the 80th percentile of the
 * gaps between a customer's consecutive paid orders, at risk up to the 95th, lapsed up to twice that,
 * churned beyond. Too few repeat intervals (< 50) keep the defaults. Beyond 125,000 customers the gaps of a
 * sample of ≥ 125,000 of them (`sampleStep`) give the percentiles: sorting every order of a
 * million customers by customer and time cost a tenth of the full recompute, for the same days within one.
 */
export async function deriveLifecycle(db: Db, sample = LIFECYCLE_SAMPLE): Promise<LifecycleThresholds> {
  const every = await sampleStep(db, 'customers', sample);
  const row = await sql<{ n: number; p80: number | null; p95: number | null }>`
    with gaps as (
      select extract(epoch from paid_at - lag(paid_at) over (partition by customer_id order by paid_at)) / 86400 as gap
      from orders where paid_at is not null and status <> 'cancelled' and ${inSample(sql`customer_id`, every)}
    )
    select count(gap)::int as n, percentile_cont(0.8) within group (order by gap) as p80, percentile_cont(0.95) within group (order by gap) as p95
    from gaps where gap >= 1`.execute(db);
  const { n, p80, p95 } = row.rows[0];
  if (n < 50 || p80 === null || p95 === null) return DEFAULT_LIFECYCLE;
  const activeDays = Math.max(14, Math.round(p80));
  const atRiskDays = Math.max(activeDays + 1, Math.round(p95));
  return { activeDays, atRiskDays, lapsedDays: atRiskDays * 2, source: 'derived' };
}

/**
 * Quintile breakpoints of the values (those of the customers who bought in the window). A value scores
 * 1 + ⌊5 × (share of values below it)⌋, so tied values take the score of the lowest of them: when most buyers
 * placed one order, one order scores 1 (the upper end of the tie would score it 3 or 4, and no buyer would ever
 * score F1 — no "new" or "lost" customers). For each score s = 1…4 the breakpoint is the largest value scoring at
 * most s, −∞ if none — the same scores as computeRfm's window functions.
 */
export function quintileBreakpoints(values: number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  const cuts = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    const score = Math.min(5, 1 + Math.floor((5 * i) / sorted.length));
    for (let s = score; s <= 4; s++) cuts[s - 1] = sorted[i];
  }
  return cuts;
}

/** 1 + the number of breakpoints the value exceeds (a breakpoint of −∞ is always exceeded); no score before the first recompute gives breakpoints. */
function scoreExpr(value: RawBuilder<unknown>, breaks: number[]) {
  if (breaks.length === 0) return sql`null::smallint`;
  const terms = breaks.map((b) => (Number.isFinite(b) ? sql`(${value} > ${b})::int` : sql`1`));
  return sql`case when ${value} is null then null else (1 + ${sql.join(terms, sql` + `)})::smallint end`;
}

export type RefreshContext = { now: Date; timeZone: string; models: Models };

/** rfmGroup as a lookup SQL can index: element (r − 1) × 5 + f. */
const RFM_GROUP_LOOKUP = Array.from({ length: 25 }, (_, i) => rfmGroup(Math.floor(i / 5) + 1, (i % 5) + 1));

/** CLV predictions of the customers with calibration summaries, column by column for an `unnest`. */
function predictionColumns(summaries: readonly Summary[], fit: ClvFit | null, asOf: string) {
  const cols = { id: [] as number[], alive: [] as number[], purchases: [] as number[], value: [] as number[], clv: [] as number[], next: [] as (string | null)[] };
  if (!fit) return cols;
  const periodMs = PERIOD_DAYS[fit.period] * 86_400_000;
  const horizon = HORIZON_DAYS / PERIOD_DAYS[fit.period];
  const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
  for (const s of summaries) {
    const p = predict(fit, s, horizon);
    cols.id.push(s.customerId);
    cols.alive.push(p.pAlive);
    cols.purchases.push(p.expectedPurchases);
    cols.value.push(p.expectedAvgValue);
    cols.clv.push(p.clv);
    cols.next.push(p.periodsToNextOrder != null ? new Date(asOfMs + p.periodsToNextOrder * periodMs).toISOString() : null);
  }
  return cols;
}

/**
 * Recomputes the metrics and predictions of the customers in scope in one upsert (one write per row);
 * merged-away customers lose their row. `summaries` are the scope's CLV summaries when the caller has them
 * (the full recompute built them for the fit); otherwise they are read here.
 */
export async function refreshMetrics(db: Db, scope: ClvScope, ctx: RefreshContext, summaries?: readonly Summary[]): Promise<number> {
  const { models, now, timeZone } = ctx;
  const asOf = todayIn(timeZone, now);
  const rfm = models.rfm ?? { asOf, windowDays: DEFAULT_RFM_WINDOW_DAYS, r: [], f: [], m: [] };
  const end = windowEnd(asOf, timeZone);
  const windowStart = sql`${end} - make_interval(days => ${rfm.windowDays})`;
  const lc = models.lifecycle;
  const scoped = scopeFilter(scope);
  const fit = models.clv;
  const p = predictionColumns(fit ? (summaries ?? (await clvSummaries(db, { until: asOf, period: fit.period, timeZone, scope }))) : [], fit, asOf);
  // The scope is named on orders and order_items themselves (index ranges, not scans joined to a CTE the planner
  // cannot see into: at 15M items each chunk read them all), the last-seen time is one index probe per customer.
  await applyAnalyticalSettings(db);
  await sql`delete from customer_metrics m using customers c where c.id = m.customer_id and c.merged_into is not null and ${scoped}`.execute(db);
  const result = await sql`
    with scope as (select c.id from customers c where c.merged_into is null and ${scoped}),
    paid as (
      select o.customer_id, o.id, o.channel_id, o.paid_at, o.total_amount - o.refunded_amount as net
      from orders o join scope s on s.id = o.customer_id
      where ${scopeFilter(scope, sql`o.customer_id`)} and o.paid_at is not null and o.status <> 'cancelled' and o.paid_at < ${end}
    ), agg as (
      select customer_id, count(*)::int as orders_count, sum(net)::bigint as net_spent, min(paid_at) as first_order_at,
        max(paid_at) as last_order_at, array_agg(distinct channel_id) as channel_ids,
        (count(*) filter (where paid_at >= ${windowStart}))::int as rfm_frequency,
        sum(net) filter (where paid_at >= ${windowStart})::bigint as rfm_monetary
      from paid group by customer_id
    ), unlinked as (
      -- Refunds of purchases Patron never saw (returns in an imported file whose sale predates it): deducted from net spend.
      select r.customer_id, sum(r.amount)::bigint as amount, sum(r.amount) filter (where r.refunded_at >= ${windowStart})::bigint as window_amount
      from refunds r join scope s on s.id = r.customer_id
      where r.order_id is null and r.refunded_at < ${end} group by r.customer_id
    ), items as (
      select p.customer_id, count(distinct i.product_id)::int as distinct_products, count(distinct pr.category)::int as distinct_categories
      from paid p join order_items i on i.order_id = p.id left join products pr on pr.id = i.product_id
      where ${scopeFilter(scope, sql`i.customer_id`)} group by p.customer_id
    ), predicted as (
      select * from unnest(${p.id}::bigint[], ${p.alive}::float8[], ${p.purchases}::float8[], ${p.value}::float8[], ${p.clv}::float8[],
        ${p.next}::timestamptz[]) as u(customer_id, alive, purchases, value, clv, next)
    ), calc as (
      select s.id as customer_id, a.orders_count, a.net_spent - coalesce(un.amount, 0) as net_spent, a.first_order_at, a.last_order_at, a.channel_ids,
        a.rfm_frequency, a.rfm_monetary - coalesce(un.window_amount, 0) as rfm_monetary, i.distinct_products, i.distinct_categories,
        (select max(e.occurred_at) from events e where e.customer_id = s.id) as last_seen_at,
        floor(extract(epoch from (${end} - a.last_order_at)) / 86400)::int as recency_days,
        pr.alive, pr.purchases, pr.value, pr.clv, pr.next
      from scope s left join agg a on a.customer_id = s.id left join unlinked un on un.customer_id = s.id left join items i on i.customer_id = s.id
        left join predicted pr on pr.customer_id = s.id
    ), scored as (
      select *,
        case when rfm_frequency > 0 then ${scoreExpr(sql`-recency_days`, rfm.r)} end as rfm_r,
        case when rfm_frequency > 0 then ${scoreExpr(sql`rfm_frequency`, rfm.f)} end as rfm_f,
        case when rfm_frequency > 0 then ${scoreExpr(sql`rfm_monetary`, rfm.m)} end as rfm_m
      from calc
    )
    insert into customer_metrics (customer_id, orders_count, net_spent, first_order_at, last_order_at, avg_order_value, avg_days_between,
      distinct_products, distinct_categories, channel_ids, last_seen_at, lifecycle_stage, recency_days, rfm_frequency, rfm_monetary,
      rfm_r, rfm_f, rfm_m, rfm_group, p_alive, churn_probability, expected_purchases, expected_avg_value, clv, next_order_at, computed_at)
    select customer_id, coalesce(orders_count, 0), coalesce(net_spent, 0), first_order_at, last_order_at,
      case when orders_count > 0 then round(net_spent::numeric / orders_count)::bigint end,
      case when orders_count > 1 then extract(epoch from (last_order_at - first_order_at)) / 86400 / (orders_count - 1) end,
      coalesce(distinct_products, 0), coalesce(distinct_categories, 0), coalesce(channel_ids, '{}'),
      greatest(last_seen_at, last_order_at),
      case when coalesce(orders_count, 0) = 0 then 'prospect'
           when recency_days <= ${lc.activeDays} then case when orders_count = 1 then 'new' else 'active' end
           when recency_days <= ${lc.atRiskDays} then 'at_risk'
           when recency_days <= ${lc.lapsedDays} then 'lapsed'
           else 'churned' end,
      recency_days, nullif(rfm_frequency, 0), case when rfm_frequency > 0 then rfm_monetary end, rfm_r, rfm_f, rfm_m,
      (${RFM_GROUP_LOOKUP}::text[])[(rfm_r - 1) * 5 + rfm_f], alive, 1 - alive, purchases, value, clv, next, ${now}
    from scored
    on conflict (customer_id) do update set orders_count = excluded.orders_count, net_spent = excluded.net_spent,
      first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, avg_order_value = excluded.avg_order_value,
      avg_days_between = excluded.avg_days_between, distinct_products = excluded.distinct_products,
      distinct_categories = excluded.distinct_categories, channel_ids = excluded.channel_ids, last_seen_at = excluded.last_seen_at,
      lifecycle_stage = excluded.lifecycle_stage, recency_days = excluded.recency_days, rfm_frequency = excluded.rfm_frequency,
      rfm_monetary = excluded.rfm_monetary, rfm_r = excluded.rfm_r, rfm_f = excluded.rfm_f, rfm_m = excluded.rfm_m,
      rfm_group = excluded.rfm_group, p_alive = excluded.p_alive, churn_probability = excluded.churn_probability,
      expected_purchases = excluded.expected_purchases, expected_avg_value = excluded.expected_avg_value, clv = excluded.clv,
      next_order_at = excluded.next_order_at, computed_at = excluded.computed_at`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export type RecomputeResult = {
  asOf: string;
  customers: number;
  lifecycle: LifecycleThresholds;
  clv: { status: 'ready' | 'insufficient_data'; reason?: string };
  timings: Record<string, number>;
};

/**
 * Full recompute: lifecycle thresholds (unless configured), RFM breakpoints and the group-size history,
 * the CLV fit with its calibration-vs-holdout check, then every customer's metrics in id-range chunks.
 * Marked changes stay for the drain: it also rewrites what this does not (segment activity, memberships).
 */
export async function recomputeAll(
  db: Db,
  opts: {
    now: Date;
    timeZone: string;
    period?: Period;
    rfmWindowDays?: number;
    /** customers per chunk (default 20,000) */
    chunkSize?: number;
    /** customer ids per part of the buyers pass, run one after another (default: two halves side by side) */
    buyersPerPart?: number;
    /** customers whose order gaps give the lifecycle thresholds (default 125,000) */
    lifecycleSample?: number;
  },
): Promise<RecomputeResult> {
  const chunkSize = opts.chunkSize ?? CHUNK;
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const value = await fn();
    timings[name] = Math.round(performance.now() - t0);
    return value;
  };
  const asOf = todayIn(opts.timeZone, opts.now);
  const period = opts.period ?? DEFAULT_PERIOD;
  const previous = await loadModels(db);
  const lifecycle = previous.lifecycle.source === 'configured' ? previous.lifecycle : await timed('lifecycle', () => deriveLifecycle(db, opts.lifecycleSample));
  if (lifecycle.source !== 'configured') await saveModel(db, 'lifecycle', 'ready', lifecycle, opts.now);
  const windowDays = opts.rfmWindowDays ?? previous.rfm?.windowDays ?? DEFAULT_RFM_WINDOW_DAYS;
  // The holdout check keeps back the last third of the shop's history (up to a year), if that is 8 weeks or more.
  const holdoutDays = Math.min(365, Math.round((await historyDays(db)) / 3));
  const calibrationUntil = holdoutDays >= 56 ? shiftDate(asOf, -holdoutDays) : null;
  const bounds = await sql<{ lo: number | null; hi: number | null }>`select min(id) as lo, max(id) as hi from customers`.execute(db);
  const { lo, hi } = bounds.rows[0];
  const pass = await timed('buyers', () => buyersSideBySide(db, lo, hi, { until: asOf, calibrationUntil, period, timeZone: opts.timeZone, windowDays }, opts.buyersPerPart));
  const { summaries } = pass;
  const rfm: RfmBreakpoints = { asOf, windowDays, r: quintileBreakpoints(pass.rfm.negRecency), f: quintileBreakpoints(pass.rfm.frequency), m: quintileBreakpoints(pass.rfm.monetary) };
  await saveModel(db, 'rfm', 'ready', rfm, opts.now);
  // The holdout check (a second fit, on the calibration summaries) runs on a thread beside this fit.
  const holdout = calibrationUntil ? timed('clvValidation', () => calibrationVsHoldoutAside(pass.calibration, summaries, { until: asOf, period, calibrationUntil })) : Promise.resolve(null);
  // Awaited below; should the fit throw first, the check's own failure must not go unhandled.
  holdout.catch(() => undefined);
  const fitted = await timed('clvFit', () => fitSummariesAside(summaries, { until: asOf, period }));
  const validation = await holdout;
  let clv: ClvFit | null = null;
  if (fitted.status === 'ready') {
    clv = fitted.fit;
    await saveModel(db, 'clv', 'ready', { ...fitted.fit, validation }, opts.now);
  } else {
    await saveModel(db, 'clv', 'insufficient_data', fitted, opts.now);
  }
  const models: Models = { lifecycle, rfm, clv };
  let customers = 0;
  await timed('metrics', async () => {
    if (lo === null || hi === null) return;
    // The fit's summaries cover every buyer (in no particular order); each chunk takes its own.
    const byChunk = new Map<number, Summary[]>();
    for (const s of summaries) {
      const k = Math.floor((s.customerId - Number(lo)) / chunkSize);
      const bucket = byChunk.get(k);
      if (bucket) bucket.push(s);
      else byChunk.set(k, [s]);
    }
    // Two chunks at a time: each is one CPU-bound statement, and PostgreSQL runs each on its own core.
    await sideBySide(await customerIdRanges(db, { size: chunkSize }), PARALLEL_CHUNKS, async (scope) => {
      const chunk = byChunk.get(Math.floor((scope.fromId - Number(lo)) / chunkSize)) ?? [];
      // Not `customers += await …`: that reads the total before the await, and the chunk beside it adds in between.
      const refreshed = await db.transaction().execute(async (trx) => {
        await applyAnalyticalSettings(trx, { sideBySide: true });
        return refreshMetrics(trx, scope, { now: opts.now, timeZone: opts.timeZone, models }, chunk);
      });
      customers += refreshed;
    });
  });
  await sql`
    insert into rfm_history (as_of, rfm_group, customers, revenue)
    select ${asOf}::date, rfm_group, count(*)::int, coalesce(sum(rfm_monetary), 0)::bigint from customer_metrics where rfm_group is not null group by rfm_group
    on conflict (as_of, rfm_group) do update set customers = excluded.customers, revenue = excluded.revenue`.execute(db);
  // Every row was rewritten: segment counts plan on RFM groups and stages, so their statistics are refreshed now
  // (as after an import) rather than whenever autovacuum comes by — if it is on at all.
  await sql`analyze customer_metrics`.execute(db);
  return { asOf, customers, lifecycle, clv: fitted.status === 'ready' ? { status: 'ready' } : { status: fitted.status, reason: fitted.reason }, timings };
}

/**
 * The one pass over the paid orders (`buyerSummaries`) in `PARALLEL_CHUNKS` id ranges side by side: one
 * statement is one core, and this pass is the recompute's largest (every paid order, grouped three ways).
 */
async function buyersSideBySide(db: Db, lo: number | null, hi: number | null, opts: Parameters<typeof buyerSummaries>[1], perPart?: number): Promise<BuyerSummaries> {
  const ids = lo === null || hi === null ? 0 : Number(hi) - Number(lo) + 1;
  // Two halves side by side (a core each), or parts of `perPart` ids one after another (the embedded database).
  const count = ids === 0 ? 0 : perPart ? Math.ceil(ids / perPart) : PARALLEL_CHUNKS;
  const span = count === 0 ? 0 : Math.ceil(ids / count);
  const ranges = Array.from({ length: count }, (_, k) => ({ fromId: Number(lo) + k * span, toId: Number(lo) + (k + 1) * span - 1 }));
  const parts: BuyerSummaries[] = [];
  await sideBySide(ranges, perPart ? 1 : PARALLEL_CHUNKS, async (scope) => {
    const part = await db.transaction().execute(async (trx) => {
      await applyAnalyticalSettings(trx, { sideBySide: true });
      return buyerSummaries(trx, { ...opts, scope });
    });
    parts[ranges.indexOf(scope)] = part;
  });
  return {
    summaries: parts.flatMap((p) => p.summaries),
    calibration: parts.flatMap((p) => p.calibration),
    rfm: { negRecency: parts.flatMap((p) => p.rfm.negRecency), frequency: parts.flatMap((p) => p.rfm.frequency), monetary: parts.flatMap((p) => p.rfm.monetary) },
  };
}

/** Days between the first and the last paid order, read at both ends of the placed_at index (orders are paid soon after they are placed). */
async function historyDays(db: Db): Promise<number> {
  const r = await sql<{ days: number | null }>`
    select extract(epoch from (select max(placed_at) from orders where paid_at is not null) - (select min(placed_at) from orders where paid_at is not null)) / 86400 as days`.execute(db);
  return Number(r.rows[0].days ?? 0);
}

export const shiftDate = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Forgets the changes marked before `at`: everything derived from them was rebuilt since (after a bulk load). */
export async function clearChangesBefore(db: Db, at: Date): Promise<void> {
  await sql`delete from customer_changes where changed_at < ${at}`.execute(db);
}

/**
 * Takes up to `limit` changed customers (skipping those another worker holds), refreshes their metrics and
 * hands their ids to `onRefreshed` (segment membership) in the same transaction; a failure leaves them marked.
 */
export async function processChanges(db: Db, opts: { now: Date; timeZone: string; limit?: number; onRefreshed?: (trx: Db, ids: number[]) => Promise<void> }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const taken = await sql<{ customer_id: number }>`
      delete from customer_changes where customer_id in (
        select customer_id from customer_changes order by changed_at limit ${opts.limit ?? 5000} for update skip locked)
      returning customer_id`.execute(trx);
    const ids = taken.rows.map((r) => Number(r.customer_id));
    if (ids.length === 0) return 0;
    const models = await loadModels(trx);
    await refreshMetrics(trx, { ids }, { now: opts.now, timeZone: opts.timeZone, models });
    if (opts.onRefreshed) await opts.onRefreshed(trx, ids);
    return ids.length;
  });
}
