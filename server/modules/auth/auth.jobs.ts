import { z } from 'zod';
import { defineJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { deleteExpiredSessions } from './sessions.service.ts';

export const sessionsCleanupJob = defineJob<Record<string, never>, AppContext>({
  name: 'auth-sessions-cleanup',
  version: 1,
  schema: z.object({}).strict() as z.ZodType<Record<string, never>>,
  cron: '17 * * * *',
  handler: async (_data, ctx) => {
    const removed = await deleteExpiredSessions(ctx.db, ctx.clock.now());
    ctx.log.info({ removed }, 'expired sessions removed');
  },
});
