import { drainChanges, insightsRecomputeJob, segmentRefreshJob, segmentsRefreshAllJob } from './segments.jobs.ts';
import { segmentRoutes } from './segments.routes.ts';

export const segmentsModule = {
  routes: segmentRoutes,
  jobs: [segmentRefreshJob, segmentsRefreshAllJob, insightsRecomputeJob],
  pollers: [{ name: 'customer-changes', run: drainChanges }],
};
export { rebuildActivity } from './activity.ts';
export { compileRules, matchingCustomers } from './compiler.ts';
export type { CompileContext } from './compiler.ts';
export { drainChanges } from './segments.jobs.ts';
export { createDemoSegments, createDynamicSegment, estimateRules, forgetDeletedMembers, previewRules, refreshAllSegments, refreshSegment, syncChangedCustomers } from './segments.service.ts';
