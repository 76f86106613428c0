import { defineModule } from '../../module.ts';
import { segmentsData } from './customer-data.ts';
import { drainChanges, insightsRecomputeJob, segmentRefreshJob, segmentsRefreshAllJob } from './segments.jobs.ts';
import { segmentRoutes } from './segments.routes.ts';

export const segmentsModule = defineModule({
  name: 'segments',
  routes: segmentRoutes,
  jobs: [segmentRefreshJob, segmentsRefreshAllJob, insightsRecomputeJob],
  pollers: [{ name: 'customer-changes', run: drainChanges }],
  customerData: segmentsData,
  // The segment read side: compiled rules over every module's customer data (ARCHITECTURE.md).
  reads: [
    'attribute_definitions',
    'channels',
    'consents',
    'customer_changes',
    'customer_identities',
    'customer_metrics',
    'customer_tags',
    'customers',
    'events',
    'order_items',
    'orders',
    'products',
  ],
});
export { rebuildActivity } from './activity.ts';
export { compileRules, matchingCustomers } from './compiler.ts';
export type { CompileContext } from './compiler.ts';
export { createRefreshedSegment, drainChanges } from './segments.jobs.ts';
export { createDemoSegments, createDynamicSegment, createStaticSegment } from './segments.service.ts';
export { compileChecked as checkRules, customersMatching, estimateRules, previewRules } from './rules.service.ts';
export { clockOf as ruleClockOf } from './clock.ts';
export { forgetDeletedMembers, refreshAllSegments, refreshSegment, syncChangedCustomers } from './membership.service.ts';
