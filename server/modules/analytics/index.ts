import { analyticsRoutes } from './analytics.routes.ts';

export const analyticsModule = { routes: analyticsRoutes, jobs: [] };
export { RFM_GROUPS, computeRfm, rfmGroup, summariseRfm } from './rfm.service.ts';
export type { RfmRow } from './rfm.service.ts';
