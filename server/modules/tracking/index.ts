import { defineModule } from '../../module.ts';
import { sourceRoutes } from './sources.routes.ts';
import { registerTrackingApi } from './tracking.http.ts';

export const trackingModule = defineModule({
  name: 'tracking',
  routes: sourceRoutes,
  plugins: [registerTrackingApi],
  // A source's channel; the events a message id already stored (dedupe).
  reads: ['channels', 'events'],
});
export { createSource } from './sources.service.ts';
