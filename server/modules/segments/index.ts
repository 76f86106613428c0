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
});
export { rebuildActivity } from './activity.ts';
export { compileRules, matchingCustomers } from './compiler.ts';
export type { CompileContext } from './compiler.ts';
export { drainChanges } from './segments.jobs.ts';
export { createDemoSegments, createDynamicSegment, estimateRules, forgetDeletedMembers, previewRules, refreshAllSegments, refreshSegment, syncChangedCustomers } from './segments.service.ts';
