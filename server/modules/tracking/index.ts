import { defineModule } from '../../module.ts';
import { sourceRoutes } from './sources.routes.ts';
import { registerTrackingApi } from './tracking.http.ts';

export const trackingModule = defineModule({ name: 'tracking', routes: sourceRoutes, plugins: [registerTrackingApi] });
export { createSource } from './sources.service.ts';
