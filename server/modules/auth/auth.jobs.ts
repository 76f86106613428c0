import { defineScheduledJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { deleteExpiredSessions } from './sessions.service.ts';

export const sessionsCleanupJob = defineScheduledJob<AppContext>({
  name: 'auth-sessions-cleanup',
  cron: '17 * * * *',
  handler: async (ctx) => {
    const removed = await deleteExpiredSessions(ctx.db, ctx.clock.now());
    ctx.log.info({ removed }, 'expired sessions removed');
  },
});
