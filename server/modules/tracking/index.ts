import { defineModule } from '../../module.ts';
import { drainInbox, inboxGauges } from './inbox.ts';
import { sourceRoutes } from './sources.routes.ts';
import { registerTrackingApi } from './tracking.http.ts';

export const trackingModule = defineModule({
  name: 'tracking',
  routes: sourceRoutes,
  plugins: [registerTrackingApi],
  // Batches answered and waiting are stored within a fraction of a second.
  pollers: [{ name: 'tracking-inbox', run: drainInbox, idleMs: 200 }],
  gauges: inboxGauges,
  encryptedColumns: [{ table: 'tracking_inbox', idColumn: 'id', columns: ['messages_enc'] }],
  // A source's channel; the events a message id already stored (dedupe).
  reads: ['channels', 'events'],
});
export { createSource } from './sources.service.ts';
export { drainInbox } from './inbox.ts';
