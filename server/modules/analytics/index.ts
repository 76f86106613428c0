import { analyticsRoutes } from './analytics.routes.ts';

export const analyticsModule = { routes: analyticsRoutes, jobs: [] };
