import { sql } from 'kysely';
import { type Db, inSample, sampleStep } from '../../db/index.ts';
import type { ClvFit, Period } from './clv.service.ts';

/** The fitted parameters the metrics are computed with: lifecycle thresholds, RFM breakpoints, the CLV fit. */
export const DEFAULT_RFM_WINDOW_DAYS = 365;
export const DEFAULT_PERIOD: Period = 'week';
/** Predictions look twelve months ahead. */
export const HORIZON_DAYS = 365;
export const CHUNK = 20_000;
export const PARALLEL_CHUNKS = 2;
const LIFECYCLE_SAMPLE = 125_000;

export type LifecycleThresholds = {
  activeDays: number;
  atRiskDays: number;
  lapsedDays: number;
  source: 'derived' | 'configured' | 'default';
};
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

export async function saveModel(
  db: Db,
  kind: 'clv' | 'rfm' | 'lifecycle',
  status: 'ready' | 'insufficient_data',
  params: unknown,
  at: Date,
) {
  await db
    .insertInto('analytics_models')
    .values({ kind, status, params: JSON.stringify(params), fitted_at: at })
    .execute();
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
