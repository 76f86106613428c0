import { defineModule } from '../../module.ts';
import { serviceData, serviceFields, ticketsPanel } from './customer-data.ts';
import { smsReplies } from './inbound.ts';
import { registerServiceHttp } from './service.http.ts';
import { serviceRoutes } from './service.routes.ts';
import { ensureServiceTemplates } from './templates.ts';
import { serviceTick } from './work.ts';

/**
 * The service desk: tickets from e-mail (SMTP listener), the API and SMS, threaded per customer and resolved to
 * people; agents' replies through the messaging outbox; SLA clocks in business hours (Chinese holidays and 调休 or a
 * country's calendar) with warnings before a breach; macros; CSAT once per solved ticket on a public page; reports.
 */
export const serviceModule = defineModule({
  name: 'service',
  routes: serviceRoutes,
  plugins: [registerServiceHttp],
  pollers: [{ name: 'service-clock', run: serviceTick }],
  subscriptions: [smsReplies],
  encryptedColumns: [{ table: 'ticket_messages', idColumn: 'id', columns: ['body_enc'] }],
  customerData: serviceData,
  segmentFields: serviceFields,
  panels: [ticketsPanel],
  prepare: async (db) => ensureServiceTemplates(db, new Date()),
  // Agents (users, their sessions for who is online) answer tickets; a reply's delivery is its outbox message's status.
  reads: ['users', 'sessions', 'messages'],
});
export { receiveSupportMail } from './inbound.ts';
export { serviceTick } from './work.ts';
