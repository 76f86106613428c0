import { defineJob, defineScheduledJob } from '../../jobs/index.ts';
import { pacing } from '../../platform/pacing.ts';
import type { AppContext } from '../../platform/context.ts';
import { processChanges, recomputeAll, refreshStoredAnswers } from '../analytics/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { clockOf } from './clock.ts';
import { refreshActivity } from './activity.ts';
import { refreshAllSegments, refreshSegment, syncChangedCustomers } from './membership.service.ts';
import { type JobPayload, jobPayloads } from '../../../contracts/jobs.ts';
import type { RuleGroup } from '../../../contracts/segments.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { createDynamicSegment } from './segments.service.ts';

/** Full refresh of one segment (after it is created or its rules change, or on request). */
export const segmentRefreshJob = defineJob<JobPayload<'segment-refresh'>, AppContext>({
  name: 'segment-refresh',
  version: 1,
  schema: jobPayloads['segment-refresh'],
  retryLimit: 2,
  handler: async (data, ctx) => {
    await refreshSegment(ctx.db, data.segmentId, await clockOf(ctx));
  },
});

/** How many numbered names a created segment tries before giving up (`name (2)` … `name (20)`). */
const MAX_NAME_TRIES = 20;

/** The segment's members are computed by a job once it is saved (the same as a segment made in the admin). */
export const refreshLater = (ctx: AppContext) => (trx: Db, segmentId: number) =>
  ctx.queue.enqueue(segmentRefreshJob, { segmentId }, { trx });

/**
 * A dynamic segment another module creates (a shipped journey's audience), counted in the background; named `name`,
 * or `name (2)`, `name (3)` … when the store already has a segment of that name (its own, with its own rules).
 */
export async function createRefreshedSegment(
  ctx: AppContext,
  db: Db,
  opts: { name: string; description: string; rules: RuleGroup; actor: Actor },
): Promise<number> {
  const clock = await clockOf(ctx);
  for (let n = 1; ; n++) {
    const name = n === 1 ? opts.name : `${opts.name} (${n})`;
    try {
      return (await createDynamicSegment(db, { ...opts, name, clock, onSaved: refreshLater(ctx) })).id;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'SEGMENT_NAME_TAKEN') || n >= MAX_NAME_TRIES) throw err;
    }
  }
}

/** Hourly: every dynamic segment in full, so rules relative to today ("in the last 30 days") stay true. */
export const segmentsRefreshAllJob = defineScheduledJob<AppContext>({
  name: 'segments-refresh-all',
  cron: '7 * * * *',
  handler: async (ctx) => {
    await refreshAllSegments(ctx.db, await clockOf(ctx));
  },
});

/**
 * Nightly (and on request): metrics, RFM, lifecycle thresholds and the CLV fit for everyone, then every segment
 * and the stored answers of the dashboard and the reports.
 */
export const insightsRecomputeJob = defineScheduledJob<AppContext>({
  name: 'insights-recompute',
  cron: '40 2 * * *',
  expireInSeconds: 3600,
  handler: async (ctx) => {
    const clock = await clockOf(ctx);
    const result = await recomputeAll(ctx.db, { ...clock, ...pacing(ctx.config).recompute });
    ctx.log.info({ result }, 'customer metrics recomputed');
    await refreshAllSegments(ctx.db, clock);
    await refreshStoredAnswers(ctx.db, clock.now, await storeSettingsOf(ctx));
  },
});

/**
 * Drains customer_changes: metrics, then activity and segment membership, for up to 5,000 changed customers per
 * transaction. Runs in every working process (rows are taken with SKIP LOCKED), every few seconds.
 */
export async function drainChanges(ctx: AppContext): Promise<number> {
  const clock = await clockOf(ctx);
  return processChanges(ctx.db, {
    ...clock,
    limit: pacing(ctx.config).drainLimit,
    onRefreshed: async (trx, ids) => {
      await refreshActivity(trx, { ids });
      await syncChangedCustomers(trx, ids, clock);
    },
  });
}
