import { sql } from 'kysely';
import { type Db, applyAnalyticalSettings, customerIdRanges, sideBySide } from '../../db/index.ts';
import { todayIn } from '../../platform/clock.ts';
import { type BuyerSummaries, type ClvFit, type Summary, type Period, buyerSummaries } from './clv.service.ts';
import { calibrationVsHoldoutAside, fitSummariesAside } from './holdout.ts';
import { refreshMetrics } from './metrics.service.ts';
import {
  CHUNK,
  DEFAULT_PERIOD,
  DEFAULT_RFM_WINDOW_DAYS,
  type LifecycleThresholds,
  type Models,
  PARALLEL_CHUNKS,
  type RfmBreakpoints,
  deriveLifecycle,
  loadModels,
  quintileBreakpoints,
  saveModel,
} from './models.service.ts';

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
  const lifecycle =
    previous.lifecycle.source === 'configured'
      ? previous.lifecycle
      : await timed('lifecycle', () => deriveLifecycle(db, opts.lifecycleSample));
  if (lifecycle.source !== 'configured') await saveModel(db, 'lifecycle', 'ready', lifecycle, opts.now);
  const windowDays = opts.rfmWindowDays ?? previous.rfm?.windowDays ?? DEFAULT_RFM_WINDOW_DAYS;
  // The holdout check keeps back the last third of the shop's history (up to a year), if that is 8 weeks or more.
  const holdoutDays = Math.min(365, Math.round((await historyDays(db)) / 3));
  const calibrationUntil = holdoutDays >= 56 ? shiftDate(asOf, -holdoutDays) : null;
  const bounds = await sql<{ lo: number | null; hi: number | null }>`select min(id) as lo, max(id) as hi from customers`.execute(db);
  const { lo, hi } = bounds.rows[0];
  const pass = await timed('buyers', () =>
    buyersSideBySide(db, lo, hi, { until: asOf, calibrationUntil, period, timeZone: opts.timeZone, windowDays }, opts.buyersPerPart),
  );
  const { summaries } = pass;
  const rfm: RfmBreakpoints = {
    asOf,
    windowDays,
    r: quintileBreakpoints(pass.rfm.negRecency),
    f: quintileBreakpoints(pass.rfm.frequency),
    m: quintileBreakpoints(pass.rfm.monetary),
  };
  await saveModel(db, 'rfm', 'ready', rfm, opts.now);
  // The holdout check (a second fit, on the calibration summaries) runs on a thread beside this fit.
  const holdout = calibrationUntil
    ? timed('clvValidation', () => calibrationVsHoldoutAside(pass.calibration, summaries, { until: asOf, period, calibrationUntil }))
    : Promise.resolve(null);
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
  return {
    asOf,
    customers,
    lifecycle,
    clv: fitted.status === 'ready' ? { status: 'ready' } : { status: fitted.status, reason: fitted.reason },
    timings,
  };
}

/**
 * The one pass over the paid orders (`buyerSummaries`) in `PARALLEL_CHUNKS` id ranges side by side: one
 * statement is one core, and this pass is the recompute's largest (every paid order, grouped three ways).
 */
async function buyersSideBySide(
  db: Db,
  lo: number | null,
  hi: number | null,
  opts: Parameters<typeof buyerSummaries>[1],
  perPart?: number,
): Promise<BuyerSummaries> {
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
    rfm: {
      negRecency: parts.flatMap((p) => p.rfm.negRecency),
      frequency: parts.flatMap((p) => p.rfm.frequency),
      monetary: parts.flatMap((p) => p.rfm.monetary),
    },
  };
}

/** Days between the first and the last paid order, read at both ends of the placed_at index (orders are paid soon after they are placed). */
async function historyDays(db: Db): Promise<number> {
  const r = await sql<{ days: number | null }>`
    select extract(epoch from (select max(placed_at) from orders where paid_at is not null) - (select min(placed_at) from orders where paid_at is not null)) / 86400 as days`.execute(
    db,
  );
  return Number(r.rows[0].days ?? 0);
}

export const shiftDate = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Forgets the changes marked before `at`: everything derived from them was rebuilt since (after a bulk load). */
