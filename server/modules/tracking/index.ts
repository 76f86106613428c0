import { sourceRoutes } from './sources.routes.ts';
import { registerTrackingApi } from './tracking.http.ts';

export const trackingModule = { routes: sourceRoutes, jobs: [], plugins: [registerTrackingApi] };
export { createSource } from './sources.service.ts';
