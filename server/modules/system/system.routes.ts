import { jobCounts, jobListQuery, jobPage, jobRetryParams } from '../../../contracts/jobs.ts';
import { okBody } from '../../../contracts/common.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { countJobs, listJobs, retryJob } from './jobs-admin.service.ts';
import { storeSettings as storeSettingsSchema } from '../../../contracts/system.ts';
import { storeSettingsOf, updateStoreSettings } from './settings.service.ts';

export const systemRoutes = [
  defineRoute({
    method: 'GET',
    url: '/jobs',
    access: 'jobs.read',
    tag: 'jobs',
    summary: 'Background jobs, newest first, by state and queue',
    query: jobListQuery,
    response: jobPage,
    handler: ({ ctx, query }) => listJobs(ctx.db, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/jobs/counts',
    access: 'jobs.read',
    tag: 'jobs',
    summary: 'Number of jobs per state',
    response: jobCounts,
    handler: async ({ ctx }) => ({ counts: await countJobs(ctx.db) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/jobs/:queue/:id/retry',
    access: 'jobs.manage',
    tag: 'jobs',
    summary: 'Retry a failed or cancelled job',
    params: jobRetryParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await retryJob(ctx.db, ctx.queue, { ...params, actor: actorOf(principal, ip) });
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/settings/store',
    access: 'authenticated',
    tag: 'settings',
    summary: 'Store name, currency and time zone',
    response: storeSettingsSchema,
    handler: ({ ctx }) => storeSettingsOf(ctx),
  }),
  defineRoute({
    method: 'PUT',
    url: '/settings/store',
    access: 'settings.manage',
    tag: 'settings',
    summary: 'Change the store settings (audited)',
    body: storeSettingsSchema,
    response: storeSettingsSchema,
    handler: ({ ctx, body, principal, ip }) =>
      updateStoreSettings(ctx.db, { settings: body, actor: actorOf(principal, ip), defaults: { timeZone: ctx.config.timeZone } }),
  }),
];
