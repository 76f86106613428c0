import { defineModule } from '../../module.ts';
import { messagesPanel, messagingData, messagingFields } from './customer-data.ts';
import { messagingRoutes } from './messaging.routes.ts';
import { sendDue } from './sender.ts';
import { registerBounces } from './bounces.http.ts';
import { registerSmsCallbacks } from './callbacks.http.ts';
import { registerTracking } from './tracking.http.ts';
import { registerUnsubscribe } from './unsubscribe.http.ts';
import { messagingGauges } from './gauges.ts';

/**
 * Every SMS and e-mail goes through this module's outbox: queued with a unique key inside the caller's transaction,
 * decided (consent, suppression, quiet hours, caps) and rendered when sent. No other module talks to a provider.
 */
export const messagingModule = defineModule({
  name: 'messaging',
  routes: messagingRoutes,
  plugins: [registerUnsubscribe, registerSmsCallbacks, registerBounces, registerTracking],
  pollers: [{ name: 'messages-send', run: sendDue }],
  gauges: messagingGauges,
  encryptedColumns: [
    { table: 'messages', idColumn: 'id', columns: ['rendered_enc'] },
    { table: 'suppressions', idColumn: 'address_bidx', columns: ['address_enc'] },
  ],
  customerData: messagingData,
  segmentFields: messagingFields,
  panels: [messagesPanel],
  // Who a message goes to, in which language and zone, with which values (the person and their metrics).
  reads: ['customers', 'customer_metrics'],
});
export {
  cancelMessages,
  enqueueMessage,
  enqueueMessages,
  enqueueSelected,
  holdMessages,
  releaseMessages,
  suppressedSql,
  type EnqueueInput,
} from './outbox.service.ts';
export { sendDue } from './sender.ts';
export { closeTransports } from './providers.ts';
export { callbackToken } from './callbacks.ts';
export { saveTemplate } from './templates.service.ts';
export { nextTimeOfDay } from './quiet-hours.ts';
export { installMissingTemplates, templateExists, templateKinds, templatesUsing } from './templates.service.ts';
export { sampleSmsParts } from './preview.service.ts';
export { renderText } from './render.ts';
export { reachableChannels } from './recipients.ts';
