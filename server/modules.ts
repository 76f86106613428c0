import type { AnyJob } from './jobs/index.ts';
import type { AppContext } from './platform/context.ts';
import type { EncryptedColumns } from './platform/keyring.ts';
import type { AnyRoute } from './http/route.ts';
import { analyticsModule } from './modules/analytics/index.ts';
import { auditRoutes } from './modules/audit/index.ts';
import { authModule } from './modules/auth/index.ts';
import { commerceModule } from './modules/commerce/index.ts';
import { customerEncryptedColumns, customersModule } from './modules/customers/index.ts';
import { ingestModule } from './modules/ingest/index.ts';
import { privacyModule } from './modules/privacy/index.ts';
import { systemModule } from './modules/system/index.ts';
import { segmentsModule } from './modules/segments/index.ts';
import { trackingModule } from './modules/tracking/index.ts';
import type { FastifyInstance } from 'fastify';

/** Every module's routes, jobs and encrypted columns, in one list the composition root reads. */
export const allRoutes: readonly AnyRoute[] = [
  ...authModule.routes,
  ...auditRoutes,
  ...systemModule.routes,
  ...analyticsModule.routes,
  ...customersModule.routes,
  ...commerceModule.routes,
  ...trackingModule.routes,
  ...ingestModule.routes,
  ...privacyModule.routes,
  ...segmentsModule.routes,
];

/** HTTP surfaces outside /api/v1 with their own protocol (the Segment-compatible /v1 tracking API). */
export const allHttpPlugins: readonly ((app: FastifyInstance, ctx: AppContext) => Promise<void>)[] = [...trackingModule.plugins, ...ingestModule.plugins];

export const allJobs: readonly AnyJob<AppContext>[] = [...authModule.jobs, ...systemModule.jobs, ...analyticsModule.jobs, ...customersModule.jobs, ...privacyModule.jobs, ...ingestModule.jobs, ...segmentsModule.jobs];

/** Work every working process repeats every few seconds (each run takes what it can with SKIP LOCKED). */
export type Poller = { name: string; run(ctx: AppContext): Promise<number> };
export const allPollers: readonly Poller[] = [...segmentsModule.pollers];

export const allEncryptedColumns: readonly EncryptedColumns[] = [...customerEncryptedColumns, ...ingestModule.encryptedColumns];
