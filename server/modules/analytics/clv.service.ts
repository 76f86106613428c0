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

export const periodIndex = (date: RawBuilder<unknown>, period: Period) => sql`floor((${date} - date ${sql.lit(EPOCH_MONDAY)}) / ${sql.lit(PERIOD_DAYS[period])}::numeric)::int`;

/** Restricts a query on customers `c` to a scope (ids or an id range). */
export function scopeFilter(scope: ClvScope, column: RawBuilder<unknown> = sql`c.id`) {
  if (scope === 'all') return sql`true`;
  if ('ids' in scope) return sql`${column} = any(${[...scope.ids]}::bigint[])`;
  return sql`${column} between ${scope.fromId} and ${scope.toId}`;
}

/** Calibration summaries of every customer in scope with a paid order up to `until` (inclusive, store time zone). */
export async function clvSummaries(db: Db, opts: ClvOptions & { scope?: ClvScope }): Promise<Summary[]> {
  const day = sql`(o.paid_at at time zone ${opts.timeZone})::date`;
  const cutoff = periodIndex(sql`${opts.until}::date`, opts.period);
  const rows = await sql<{ customer_id: number; x: number; tx: number; T: number; m: number }>`
    with per as (
      select o.customer_id, ${periodIndex(day, opts.period)} as idx, sum(o.total_amount - o.refunded_amount) as v
      from orders o join customers c on c.id = o.customer_id and c.merged_into is null
      where o.paid_at is not null and o.status <> 'cancelled' and ${day} <= ${opts.until}::date and ${scopeFilter(opts.scope ?? 'all')}
      group by 1, 2
    ), marked as (select *, min(idx) over (partition by customer_id) as first_idx from per)
    select customer_id, (count(*) - 1)::int as x, (max(idx) - min(idx))::int as tx, (${cutoff} - min(idx))::int as "T",
      coalesce(sum(v) filter (where idx > first_idx)::float8 / nullif(count(*) - 1, 0), 0)::float8 as m
    from marked group by customer_id`.execute(db);
  return rows.rows.map((r) => ({ customerId: Number(r.customer_id), x: r.x, tx: r.tx, T: r.T, m: r.m }));
}

export type ClvFit = {
  customers: number;
  repeatCustomers: number;
  until: string;
  period: Period;
  bgnbd: BgNbdParams & { logLikelihood: number };
  gammaGamma: GammaGammaParams & { logLikelihood: number };
};
export type ClvFitResult = { status: 'ready'; fit: ClvFit } | { status: 'insufficient_data'; reason: string; customers: number; repeatCustomers: number };

/** Every k-th item, so at most `limit` remain (deterministic). */
function sampleEvenly<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

/** Fits BG/NBD and Gamma-Gamma on the summaries, or says why there is too little history. */
export function fitSummaries(summaries: readonly Summary[], opts: { until: string; period: Period }): ClvFitResult {
  const repeat = summaries.filter((s) => s.x > 0 && s.m > 0);
  const historyPeriods = summaries.reduce((max, s) => Math.max(max, s.T), 0);
  const counts = { customers: summaries.length, repeatCustomers: repeat.length };
  if (summaries.length < MIN_BUYERS) return { status: 'insufficient_data', reason: 'too_few_buyers', ...counts };
  if (repeat.length < MIN_REPEAT_BUYERS) return { status: 'insufficient_data', reason: 'too_few_repeat_buyers', ...counts };
  if (historyPeriods * PERIOD_DAYS[opts.period] < MIN_HISTORY_DAYS) return { status: 'insufficient_data', reason: 'too_short_history', ...counts };
  const triples = new Map<string, WeightedRfx>();
  for (const s of summaries) {
    const key = `${s.x}:${s.tx}:${s.T}`;
    const t = triples.get(key);
    if (t) t.weight++;
    else triples.set(key, { x: s.x, tx: s.tx, T: s.T, weight: 1 });
  }
  const bg = fitBgNbd(sampleEvenly([...triples.values()], FIT_SAMPLE));
  const gg = fitGammaGamma(sampleEvenly(repeat, FIT_SAMPLE));
  return {
    status: 'ready',
    fit: { ...counts, until: opts.until, period: opts.period, bgnbd: { ...bg.params, logLikelihood: bg.logLikelihood }, gammaGamma: { ...gg.params, logLikelihood: gg.logLikelihood } },
  };
}

export type Prediction = { pAlive: number; expectedPurchases: number; expectedAvgValue: number; clv: number; periodsToNextOrder: number | null };

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
export function calibrationVsHoldout(calibration: readonly Summary[], fullSummaries: readonly Summary[], opts: Omit<ClvOptions, 'timeZone'> & { calibrationUntil: string }) {
  const fitted = fitSummaries(calibration, { until: opts.calibrationUntil, period: opts.period });
  if (fitted.status !== 'ready') return null;
  const full = new Map(fullSummaries.map((s) => [s.customerId, s]));
  const holdout = Math.round((Date.parse(opts.until) - Date.parse(opts.calibrationUntil)) / 86_400_000 / PERIOD_DAYS[opts.period]);
  const buckets = Array.from({ length: 8 }, (_, i) => ({ x: i === 7 ? '7+' : String(i), customers: 0, predicted: 0, actual: 0 }));
  for (const s of calibration) {
    const b = buckets[Math.min(7, s.x)];
    b.customers++;
    b.predicted += expectedPurchases(fitted.fit.bgnbd, s, holdout);
    b.actual += (full.get(s.customerId)?.x ?? s.x) - s.x;
  }
  return {
    calibrationUntil: opts.calibrationUntil,
    holdoutPeriods: holdout,
    buckets: buckets.map((b) => ({ ...b, predicted: b.customers ? b.predicted / b.customers : 0, actual: b.customers ? b.actual / b.customers : 0 })),
  };
}
