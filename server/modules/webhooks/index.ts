import { defineModule } from '../../module.ts';
import { deliverWebhooks } from './deliver.ts';
import { syncWebhookTypes } from './endpoints.ts';
import { webhookFanOut } from './fanout.ts';
import { webhooksRoutes } from './webhooks.routes.ts';
import { webhookGauges } from './gauges.ts';

/**
 * Outbound webhooks: endpoints subscribed to domain event types (with filters on the event's data), each event a
 * delivery written exactly once in the event's transaction, POSTed signed (HMAC-SHA256 over timestamp and body, a
 * second signature while a rotated secret overlaps) at least once with backoff for a day; endpoints paused after a run
 * of failures; a delivery log with replay; personal data masked unless granted (audited).
 */
export const webhooksModule = defineModule({
  name: 'webhooks',
  routes: webhooksRoutes,
  subscriptions: [webhookFanOut],
  pollers: [{ name: 'webhooks-deliver', run: deliverWebhooks }],
  gauges: webhookGauges,
  encryptedColumns: [{ table: 'outbound_endpoints', idColumn: 'id', columns: ['secret_enc', 'previous_secret_enc'] }],
  prepare: async (db) => syncWebhookTypes(db),
  // An event's person as the endpoint may see them (masked unless granted).
  reads: ['customers'],
});
