import { defineModule } from '../../module.ts';
import { ensureChangeTriggers } from './change-triggers.ts';
import { analyticsData } from './customer-data.ts';
import { analyticsRoutes } from './analytics.routes.ts';

export const analyticsModule = defineModule({
  name: 'analytics',
  routes: analyticsRoutes,
  // The insights read side: metrics, RFM, CLV, cohorts and reports over every module's customer data; the channel
  // scorecard also reads returns, service, surveys and messaging.
  reads: [
    'channels',
    'customer_identities',
    'customers',
    'events',
    'order_items',
    'orders',
    'products',
    'refunds',
    'segment_members',
    'return_requests',
    'return_lines',
    'feedback_requests',
    'survey_responses',
    'tickets',
    'messages',
  ],
  customerData: analyticsData,
  prepare: async (db, registry) => void (await ensureChangeTriggers(db, registry)),
});
export { RFM_GROUPS, computeRfm, rfmGroup, summariseRfm } from './rfm.service.ts';
export type { RfmRow } from './rfm.service.ts';
export { clearChangesBefore, processChanges } from './changes.service.ts';
export { loadModels } from './models.service.ts';
export { recomputeAll, type RecomputeResult } from './recompute.service.ts';
export { clvSummaries, fitSummaries, predict, scopeFilter } from './clv.service.ts';
export type { Period } from './clv.service.ts';
export { clusterCustomers } from './clusters.service.ts';
export { dashboardOverview } from './overview.service.ts';
export { recommendationsFor } from './affinity.service.ts';
export { refreshStoredAnswers } from './snapshots.service.ts';
