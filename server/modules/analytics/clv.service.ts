import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import {
  type BgNbdParams,
  type GammaGammaParams,
  type Rfx,
  type WeightedRfx,
  expectedAverageValue,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  pAlive,
} from './clv.model.ts';

/**
 * CLV on the shop's own paid orders (read side: orders, customers). Conventions, as in Fader & Hardie and
 * the `lifetimes` package: purchases are collapsed to distinct periods (day, or ISO week from Monday) in the
 * store time zone; x = repeat periods after the first; t_x = last − first period; T = cutoff − first period;
 * the Gamma-Gamma spend m is the average net value of the repeat periods (the first is excluded).
 */
export type Period = 'day' | 'week';
export const PERIOD_DAYS: Record<Period, number> = { day: 1, week: 7 };
const EPOCH_MONDAY = '2000-01-03';

/** Below these the fit is noise: the result says so instead of showing predictions. */
export const MIN_BUYERS = 100;
export const MIN_REPEAT_BUYERS = 30;
export const MIN_HISTORY_DAYS = 90;
/** At most this many distinct summaries enter a fit (a deterministic sample beyond it keeps fits in seconds). */
const FIT_SAMPLE = 60_000;

export type Summary = Rfx & { customerId: number; m: number };
export type ClvScope = { ids: readonly number[] } | { fromId: number; toId: number } | 'all';
export type ClvOptions = { until: string; period: Period; timeZone: string };

const periodIndex = (date: RawBuilder<unknown>, period: Period) =>
  sql`floor((${date} - date ${sql.lit(EPOCH_MONDAY)}) / ${sql.lit(PERIOD_DAYS[period])}::numeric)::int`;

/** Restricts a query on customers `c` to a scope (ids or an id range). */
export function scopeFilter(scope: ClvScope, column: RawBuilder<unknown> = sql`c.id`, ids: 'array' | 'set' = 'array') {
  if (scope === 'all') return sql`true`;
  // As a set to join, listed ids are probed one by one; `= any(…)` is estimated from skewed per-customer
  // statistics at many times the rows (right for some statements' plans, a scan of every order for others).
  if ('ids' in scope)
    return ids === 'set'
      ? sql`${column} in (select unnest(${[...scope.ids]}::bigint[]))`
      : sql`${column} = any(${[...scope.ids]}::bigint[])`;
  return sql`${column} between ${scope.fromId} and ${scope.toId}`;
}

/** The end of `until` in the store's time zone: paid before it = paid on or before that day. */
export const windowEnd = (until: string, timeZone: string) => sql`((${until}::date + 1)::timestamp at time zone ${timeZone})`;

/** Calibration summaries of every customer in scope with a paid order up to `until` (inclusive, store time zone). */
export async function clvSummaries(db: Db, opts: ClvOptions & { scope?: ClvScope }): Promise<Summary[]> {
  return (await buyerSummaries(db, opts)).summaries;
}

export type BuyerSummaries = {
  summaries: Summary[];
  calibration: Summary[];
  rfm: { negRecency: number[]; frequency: number[]; monetary: number[] };
};

/**
 * One pass over the paid orders up to `until` for everything the full recompute fits: every buyer's CLV summary,
 * with `calibrationUntil` also the summary up to that day (the holdout check's calibration; a period split by that
 * day counts once in the full summary), and with `windowDays` the RFM values (−recency in days, orders, net spent)
 * of the buyers in that trailing window. Reading the orders once for each of these was three quarters of the
 * recompute's fitting time at scale L.
 */
export async function buyerSummaries(
  db: Db,
  opts: ClvOptions & { scope?: ClvScope; calibrationUntil?: string | null; windowDays?: number },
): Promise<BuyerSummaries> {
  const end = windowEnd(opts.until, opts.timeZone);
  const day = sql`(o.paid_at at time zone ${opts.timeZone})::date`;
  const calibrationUntil = opts.calibrationUntil ?? opts.until;
  const inWindow = opts.windowDays ? sql`o.paid_at >= ${end} - make_interval(days => ${opts.windowDays})` : sql`false`;
  const rows = await sql<{
    customer_id: number;
    x: number;
    tx: number;
    T: number;
    m: number;
    cx: number | null;
    ctx: number;
    cT: number;
    cm: number;
    neg_recency: number | null;
    frequency: number;
    monetary: number;
  }>`
    with per as (
      select o.customer_id, ${periodIndex(day, opts.period)} as idx, ${day} <= ${calibrationUntil}::date as calibration,
        sum(o.total_amount - o.refunded_amount) as v, max(o.paid_at) as last_paid,
        count(*) filter (where ${inWindow}) as window_orders, sum(o.total_amount - o.refunded_amount) filter (where ${inWindow}) as window_net
      from orders o
      where o.paid_at is not null and o.status <> 'cancelled' and o.paid_at < ${end} and ${scopeFilter(opts.scope ?? 'all', sql`o.customer_id`, 'set')}
        -- A merge moves the orders to the survivor; this only guards against a merged id (a hashed set of few).
        and o.customer_id not in (select id from customers where merged_into is not null)
      group by 1, 2, 3
    ), marked as (
      select *, min(idx) over (partition by customer_id) as first_idx, min(idx) filter (where calibration) over (partition by customer_id) as first_calibration_idx
      from per
    )
    select customer_id,
      (count(distinct idx) - 1)::int as x, (max(idx) - min(idx))::int as tx, (${periodIndex(sql`${opts.until}::date`, opts.period)} - min(idx))::int as "T",
      coalesce(sum(v) filter (where idx > first_idx)::float8 / nullif(count(distinct idx) - 1, 0), 0)::float8 as m,
      (count(*) filter (where calibration) - 1)::int as cx,
      (max(idx) filter (where calibration) - min(first_calibration_idx))::int as ctx,
      (${periodIndex(sql`${calibrationUntil}::date`, opts.period)} - min(first_calibration_idx))::int as "cT",
      coalesce(sum(v) filter (where calibration and idx > first_calibration_idx)::float8 / nullif(count(*) filter (where calibration) - 1, 0), 0)::float8 as cm,
      case when sum(window_orders) > 0 then -floor(extract(epoch from (${end} - max(last_paid))) / 86400)::float8 end as neg_recency,
      sum(window_orders)::int as frequency, coalesce(sum(window_net), 0)::float8 as monetary
    from marked group by customer_id`.execute(db);
  const out: BuyerSummaries = { summaries: [], calibration: [], rfm: { negRecency: [], frequency: [], monetary: [] } };
  for (const r of rows.rows) {
    const customerId = Number(r.customer_id);
    out.summaries.push({ customerId, x: r.x, tx: r.tx, T: r.T, m: r.m });
    if (opts.calibrationUntil && r.cx !== null && r.cx >= 0) out.calibration.push({ customerId, x: r.cx, tx: r.ctx, T: r.cT, m: r.cm });
    if (r.neg_recency !== null) {
      out.rfm.negRecency.push(r.neg_recency);
      out.rfm.frequency.push(r.frequency);
      out.rfm.monetary.push(r.monetary);
    }
  }
  return out;
}

export type ClvFit = {
  customers: number;
  repeatCustomers: number;
  until: string;
  period: Period;
  bgnbd: BgNbdParams & { logLikelihood: number };
  gammaGamma: GammaGammaParams & { logLikelihood: number };
};
export type ClvFitResult =
  | { status: 'ready'; fit: ClvFit }
  | { status: 'insufficient_data'; reason: string; customers: number; repeatCustomers: number };

/** Every k-th item, so at most `limit` remain (deterministic). */
function sampleEvenly<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

type Counts = { customers: number; repeatCustomers: number };

/** The summaries' buyers and repeat buyers, and why they are too little history for a fit (or null). */
function readiness(summaries: readonly Summary[], period: Period): { repeat: Summary[]; counts: Counts; reason: string | null } {
  const repeat = summaries.filter((s) => s.x > 0 && s.m > 0);
  const historyPeriods = summaries.reduce((max, s) => Math.max(max, s.T), 0);
  const counts = { customers: summaries.length, repeatCustomers: repeat.length };
  const reason =
    summaries.length < MIN_BUYERS
      ? 'too_few_buyers'
      : repeat.length < MIN_REPEAT_BUYERS
        ? 'too_few_repeat_buyers'
        : historyPeriods * PERIOD_DAYS[period] < MIN_HISTORY_DAYS
          ? 'too_short_history'
          : null;
  return { repeat, counts, reason };
}

/** BG/NBD on the distinct (x, t_x, T) triples of the summaries, weighted by how many customers share each. */
function fitPurchases(summaries: readonly Summary[]) {
  const triples = new Map<string, WeightedRfx>();
  for (const s of summaries) {
    const key = `${s.x}:${s.tx}:${s.T}`;
    const t = triples.get(key);
    if (t) t.weight++;
    else triples.set(key, { x: s.x, tx: s.tx, T: s.T, weight: 1 });
  }
  return fitBgNbd(sampleEvenly([...triples.values()], FIT_SAMPLE));
}

/** Fits BG/NBD and Gamma-Gamma on the summaries, or says why there is too little history. */
export function fitSummaries(summaries: readonly Summary[], opts: { until: string; period: Period }): ClvFitResult {
  const { repeat, counts, reason } = readiness(summaries, opts.period);
  if (reason) return { status: 'insufficient_data', reason, ...counts };
  const bg = fitPurchases(summaries);
  const gg = fitGammaGamma(sampleEvenly(repeat, FIT_SAMPLE));
  return {
    status: 'ready',
    fit: {
      ...counts,
      until: opts.until,
      period: opts.period,
      bgnbd: { ...bg.params, logLikelihood: bg.logLikelihood },
      gammaGamma: { ...gg.params, logLikelihood: gg.logLikelihood },
    },
  };
}

export type Prediction = {
  pAlive: number;
  expectedPurchases: number;
  expectedAvgValue: number;
  clv: number;
  periodsToNextOrder: number | null;
};

/**
 * Predictions over `horizon` periods. CLV = expected purchases × expected average value (undiscounted, in
 * minor units). The expected wait to the next order is 1 / E[λ | x, T] = (α + T) / (r + x) periods, given only
 * while the customer is more likely alive than not.
 */
export function predict(fit: Pick<ClvFit, 'bgnbd' | 'gammaGamma'>, s: Rfx & { m: number }, horizon: number): Prediction {
  const alive = pAlive(fit.bgnbd, s);
  const purchases = expectedPurchases(fit.bgnbd, s, horizon);
  const value = expectedAverageValue(fit.gammaGamma, { x: s.x, m: Math.max(0, s.m) });
  return {
    pAlive: alive,
    expectedPurchases: purchases,
    expectedAvgValue: value,
    clv: purchases * value,
    periodsToNextOrder: alive >= 0.5 ? (fit.bgnbd.alpha + s.T) / (fit.bgnbd.r + s.x) : null,
  };
}

export type CalibrationBucket = { x: string; customers: number; predicted: number; actual: number };

/**
 * Calibration vs holdout: fit on orders up to `calibrationUntil`, predict each customer's repeat periods
 * over the holdout, and compare with what they actually did, per calibration frequency (0…6, 7+).
 * `calibration` and `full` are the summaries up to `calibrationUntil` and up to `until`.
 */
export function calibrationVsHoldout(
  calibration: readonly Summary[],
  fullSummaries: readonly Summary[],
  opts: Omit<ClvOptions, 'timeZone'> & { calibrationUntil: string },
) {
  // Purchases alone: the check compares repeat purchases, so the spend model (Gamma-Gamma) is not fitted here.
  if (readiness(calibration, opts.period).reason) return null;
  const bgnbd = fitPurchases(calibration).params;
  const full = new Map(fullSummaries.map((s) => [s.customerId, s]));
  const holdout = Math.round((Date.parse(opts.until) - Date.parse(opts.calibrationUntil)) / 86_400_000 / PERIOD_DAYS[opts.period]);
  const buckets = Array.from({ length: 8 }, (_, i) => ({ x: i === 7 ? '7+' : String(i), customers: 0, predicted: 0, actual: 0 }));
  for (const s of calibration) {
    const b = buckets[Math.min(7, s.x)];
    b.customers++;
    b.predicted += expectedPurchases(bgnbd, s, holdout);
    b.actual += (full.get(s.customerId)?.x ?? s.x) - s.x;
  }
  return {
    calibrationUntil: opts.calibrationUntil,
    holdoutPeriods: holdout,
    buckets: buckets.map((b) => ({
      ...b,
      predicted: b.customers ? b.predicted / b.customers : 0,
      actual: b.customers ? b.actual / b.customers : 0,
    })),
  };
}
