import type { EventSubscription } from './events/index.ts';
import type { AnyRoute } from './http/route.ts';
import type { AnyJob } from './jobs/index.ts';
import { type Gauge, type Module, type Poller, assembleRegistry } from './module.ts';
import { analyticsModule } from './modules/analytics/index.ts';
import { auditModule } from './modules/audit/index.ts';
import { authModule } from './modules/auth/index.ts';
import { commerceModule } from './modules/commerce/index.ts';
import { customersModule } from './modules/customers/index.ts';
import { eventsModule } from './modules/events/index.ts';
import { identityModule } from './modules/identity/index.ts';
import { ingestModule } from './modules/ingest/index.ts';
import { journeysModule } from './modules/journeys/index.ts';
import { campaignsModule } from './modules/campaigns/index.ts';
import { loyaltyModule } from './modules/loyalty/index.ts';
import { messagingModule } from './modules/messaging/index.ts';
import { knowledgeModule } from './modules/knowledge/index.ts';
import { socialModule } from './modules/social/index.ts';
import { webhooksModule } from './modules/webhooks/index.ts';
import { surveysModule } from './modules/surveys/index.ts';
import { returnsModule } from './modules/returns/index.ts';
import { privacyModule } from './modules/privacy/index.ts';
import { segmentsModule } from './modules/segments/index.ts';
import { serviceModule } from './modules/service/index.ts';
import { systemModule } from './modules/system/index.ts';
import { trackingModule } from './modules/tracking/index.ts';
import type { AppContext } from './platform/context.ts';
import type { EncryptedColumns } from './platform/keyring.ts';
import type { ModuleRegistry } from './platform/registry.ts';

/**
 * Every module, in the order their declarations are read (a DSR export's sections, a merge's moves, an undo's
 * deletions follow it). Adding a module is one line here; see ARCHITECTURE.md, "How to add a module".
 */
export const allModules: readonly Module[] = [
  authModule,
  auditModule,
  systemModule,
  customersModule,
  identityModule,
  commerceModule,
  eventsModule,
  trackingModule,
  ingestModule,
  privacyModule,
  analyticsModule,
  segmentsModule,
  messagingModule,
  journeysModule,
  campaignsModule,
  loyaltyModule,
  serviceModule,
  returnsModule,
  knowledgeModule,
  surveysModule,
  socialModule,
  webhooksModule,
];

/** What a running Patron is made of, derived from a module list (tests add a throwaway module to it). */
export type Composition = {
  modules: readonly Module[];
  routes: readonly AnyRoute[];
  plugins: readonly NonNullable<Module['plugins']>[number][];
  jobs: readonly AnyJob<AppContext>[];
  pollers: readonly Poller[];
  gauges: readonly Gauge[];
  subscriptions: readonly EventSubscription[];
  encryptedColumns: readonly EncryptedColumns[];
  registry: ModuleRegistry;
};

export function compose(modules: readonly Module[]): Composition {
  return {
    modules,
    routes: modules.flatMap((m) => m.routes ?? []),
    plugins: modules.flatMap((m) => m.plugins ?? []),
    jobs: modules.flatMap((m) => m.jobs ?? []),
    pollers: modules.flatMap((m) => m.pollers ?? []),
    gauges: modules.flatMap((m) => m.gauges ?? []),
    subscriptions: modules.flatMap((m) => m.subscriptions ?? []),
    encryptedColumns: modules.flatMap((m) => m.encryptedColumns ?? []),
    registry: assembleRegistry(modules),
  };
}

export const patronComposition: Composition = compose(allModules);
export const allEncryptedColumns = patronComposition.encryptedColumns;
