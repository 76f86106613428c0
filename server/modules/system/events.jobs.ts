import { pruneEvents } from '../../events/index.ts';
import { defineScheduledJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';

/** Nightly: domain events past the retention period, delivered to every subscriber, are deleted. */
export const eventsPruneJob = defineScheduledJob<AppContext>({
  name: 'domain-events-prune',
  cron: '40 3 * * *',
  handler: async (ctx) => {
    const deleted = await pruneEvents(ctx.db, { retentionDays: ctx.config.eventRetentionDays, now: ctx.clock.now() });
    ctx.log.info({ deleted }, 'domain events pruned');
  },
});
