import type { TicketChannel, TicketPriority, TicketStatus, TicketType } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';
import { defineModule } from '../../module.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { serviceData, serviceFields, ticketsPanel } from './customer-data.ts';
import { registerChat } from './chat.http.ts';
import { postAgentMessage } from './conversation.ts';
import { pollImap } from './imap.ts';
import { smsReplies } from './inbound.ts';
import { csatFromSurveys } from './csat.ts';
import { registerServiceHttp } from './service.http.ts';
import { serviceRoutes } from './service.routes.ts';
import { serviceSettingsOf } from './settings.ts';
import { ensureServiceTemplates } from './templates.ts';
import { openTicket } from './tickets.ts';
import { serviceTick } from './work.ts';
import { serviceGauges } from './gauges.ts';

/**
 * The service desk: tickets from e-mail (SMTP listener), the API and SMS, threaded per customer and resolved to
 * people; agents' replies through the messaging outbox; SLA clocks in business hours (Chinese holidays and 调休 or a
 * country's calendar) with warnings before a breach; macros; CSAT once per solved ticket on a public page; reports.
 */
export const serviceModule = defineModule({
  name: 'service',
  routes: serviceRoutes,
  plugins: [registerServiceHttp, registerChat],
  pollers: [
    { name: 'service-clock', run: serviceTick },
    { name: 'service-imap', run: pollImap },
  ],
  subscriptions: [smsReplies, csatFromSurveys],
  gauges: serviceGauges,
  encryptedColumns: [{ table: 'ticket_messages', idColumn: 'id', columns: ['body_enc'] }],
  customerData: serviceData,
  segmentFields: serviceFields,
  panels: [ticketsPanel],
  prepare: async (db) => ensureServiceTemplates(db, new Date()),
  // Agents (users, their sessions for who is online) answer tickets; a reply's delivery is its outbox message's status;
  // a chat visitor's anonymous id is whoever it was stitched to.
  reads: ['users', 'sessions', 'messages', 'customer_identities'],
});
export { receiveSupportMail } from './inbound.ts';
export { serviceTick } from './work.ts';
export { listTickets } from './queries.ts';
export { serviceSettingsOf } from './settings.ts';

/** Opens a ticket as the API would, from code (a journey step, the demo store): the desk's settings, the context's clock. */
export async function openServiceTicket(
  trx: Db,
  ctx: AppContext,
  t: {
    subject: string;
    body: string;
    customerId: number;
    type?: TicketType;
    channel?: TicketChannel;
    priority?: TicketPriority;
    orderRefs?: string[];
    /** Opens the ticket once per reference: the same reference again returns the first ticket. */
    externalRef?: string;
  },
): Promise<{ id: number }> {
  const settings = await serviceSettingsOf(trx);
  const { ticketId } = await openTicket(
    trx,
    { db: trx, keyring: ctx.keyring, now: ctx.clock.now(), settings },
    { type: 'other', priority: 'normal', channel: 'api', tags: [], orderRefs: [], fields: {}, ...t },
    'customer',
  );
  return { id: ticketId };
}

/** An agent's reply or note on a ticket, from code (the demo store), as the replies route posts it. */
export async function postServiceReply(
  trx: Db,
  ctx: AppContext,
  ticketId: number,
  m: { body: string; kind: 'reply' | 'note'; status?: TicketStatus },
  actor: Actor,
): Promise<void> {
  const settings = await serviceSettingsOf(trx);
  await postAgentMessage(trx, { db: trx, keyring: ctx.keyring, now: ctx.clock.now(), settings }, ticketId, m, actor);
}
