import { z } from 'zod';
import { idParams, okBody } from '../../../contracts/common.ts';
import {
  bulkUpdateBody,
  complaintBody,
  createTicketBody,
  customerMessageBody,
  imapSettingsBody,
  imapSettingsView,
  macroResult,
  mergeBody,
  replyBody,
  reportQuery,
  serviceReport,
  serviceSettings,
  splitBody,
  ticketEventList,
  ticketList,
  ticketListQuery,
  ticketUpdateBody,
  ticketView,
} from '../../../contracts/service.ts';
import { actorOf, type Principal } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import type { AppContext } from '../../platform/context.ts';
import { storeSettingsOf } from '../system/index.ts';
import { chatHub } from './chat.ts';
import { postAgentMessage } from './conversation.ts';
import { imapSettingsOf, presentImap, saveImapSettings } from './imap.ts';
import { applyMacro } from './macros.ts';
import { saveComplaint } from './complaints.ts';
import { alertsOf, assertVisible, attachmentOf, listTickets, lockVisible, ticketDetail } from './queries.ts';
import { serviceReportOf } from './report.ts';
import { serviceErrors, serviceSettingsOf, writeServiceSettings } from './settings.ts';
import { appendMessage, customerWrote, mergeTickets, openTicket, splitTicket, takesReplies, updateTicket } from './tickets.ts';

const created = z.object({ id: z.number().int(), created: z.boolean() });
const ticketIdParams = z.strictObject({ id: z.coerce.number().int().positive(), attachmentId: z.coerce.number().int().positive() });
const macroParams = z.strictObject({ id: z.coerce.number().int().positive(), key: z.string().min(1).max(32) });
const alertList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      ticketId: z.number().int(),
      subject: z.string(),
      action: z.string(),
      detail: z.unknown(),
      at: z.string(),
    }),
  ),
});
const agentList = z.object({ items: z.array(z.object({ id: z.number().int(), name: z.string(), role: z.string() })) });

/** What a change to tickets needs: the database, keyring, time and the desk's settings. */
async function deskOf(ctx: AppContext) {
  return { db: ctx.db, keyring: ctx.keyring, now: ctx.clock.now(), settings: await serviceSettingsOf(ctx.db) };
}

/** A ticket as its reader sees it after a change. */
const present = async (ctx: AppContext, id: number, principal: Principal | null) =>
  ticketDetail(ctx.db, ctx.keyring, await serviceSettingsOf(ctx.db), id, principal, ctx.clock.now());

export const serviceRoutes = [
  defineRoute({
    method: 'GET',
    url: '/service/settings',
    access: 'service.read',
    tag: 'service',
    summary: 'The service desk: support address, reopen window, queues with business hours, SLA policies, macros, CSAT',
    response: serviceSettings,
    handler: ({ ctx }) => serviceSettingsOf(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/service/settings',
    access: 'settings.manage',
    tag: 'service',
    summary: 'Save the service desk settings (running SLA clocks keep the targets they started with); audited',
    body: serviceSettings,
    response: serviceSettings,
    handler: ({ ctx, body, principal, ip }) => writeServiceSettings(ctx.db, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/service/imap',
    access: 'settings.manage',
    tag: 'service',
    summary: 'The support mailbox Patron polls over IMAP (never the password), with how its last poll went',
    response: imapSettingsView,
    handler: async ({ ctx }) => presentImap(await imapSettingsOf(ctx.db)),
  }),
  defineRoute({
    method: 'PUT',
    url: '/service/imap',
    access: 'settings.manage',
    tag: 'service',
    summary: 'Set the support mailbox to poll (the password encrypted; omitted, the stored one stays); audited',
    body: imapSettingsBody,
    response: imapSettingsView,
    handler: async ({ ctx, body, principal, ip }) => {
      await saveImapSettings(ctx.db, ctx.keyring, body, actorOf(principal, ip));
      return presentImap(await imapSettingsOf(ctx.db));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/service/agents',
    access: 'service.read',
    tag: 'service',
    summary: 'Active users who may answer tickets (for assignment and queues)',
    response: agentList,
    handler: async ({ ctx }) => ({
      items: (
        await ctx.db
          .selectFrom('users')
          .select(['id', 'name', 'role'])
          .where('status', '=', 'active')
          .where('role', 'in', ['owner', 'admin', 'service_agent'])
          .orderBy('name')
          .execute()
      ).map((u) => ({ id: Number(u.id), name: u.name, role: u.role })),
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/service/alerts',
    access: 'service.read',
    tag: 'service',
    summary: 'The caller’s alerts of the last 7 days: SLA warnings and breaches, mentions, assignments',
    response: alertList,
    handler: async ({ ctx, principal }) => ({
      items: principal?.kind === 'user' ? await alertsOf(ctx.db, principal.id, new Date(ctx.clock.now().getTime() - 7 * 86_400_000)) : [],
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/service/report',
    access: 'service.read',
    tag: 'service',
    summary: 'Volume, first reply and resolution times, SLA met, backlog, CSAT, busiest hours, complaints',
    query: reportQuery,
    response: serviceReport,
    handler: async ({ ctx, query }) => serviceReportOf(ctx.db, query, (await storeSettingsOf(ctx)).timeZone),
  }),
  defineRoute({
    method: 'GET',
    url: '/tickets',
    access: 'service.read',
    tag: 'service',
    summary: 'Tickets of a view (all open, mine, unassigned, breaching soon, pending, solved) with filters; total capped at 10,000',
    query: ticketListQuery,
    response: ticketList,
    handler: async ({ ctx, query, principal }) => listTickets(ctx.db, await serviceSettingsOf(ctx.db), query, principal),
  }),
  defineRoute({
    method: 'POST',
    url: '/tickets',
    access: 'service.write',
    tag: 'service',
    summary: 'Open a ticket with the customer’s first message (a marketplace chat bridge, a web form); idempotent by externalId',
    body: createTicketBody,
    response: created,
    status: 201,
    handler: async ({ ctx, body, principal, ip }) => {
      const c = await deskOf(ctx);
      const r = await ctx.db.transaction().execute((trx) => openTicket(trx, { ...c, db: trx }, body, actorOf(principal, ip)));
      return { id: r.ticketId, created: r.created };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/tickets/bulk',
    access: 'service.write',
    tag: 'service',
    summary: 'Change many tickets at once (status, priority, type, queue, assignee; add tags), each change in its trail',
    body: bulkUpdateBody,
    response: okBody,
    handler: async ({ ctx, body, principal, ip }) => {
      const c = await deskOf(ctx);
      const actor = actorOf(principal, ip);
      await ctx.db.transaction().execute(async (trx) => {
        for (const id of [...new Set(body.ids)].sort((a, b) => a - b)) {
          const t = await lockVisible(trx, c.settings, id, principal);
          const tags = body.addTags.length > 0 ? [...new Set([...t.tags, ...body.addTags])] : undefined;
          await updateTicket(trx, { ...c, db: trx }, id, { ...body.set, tags }, actor);
        }
      });
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/tickets/:id',
    access: 'service.read',
    tag: 'service',
    summary: 'A ticket: its conversation, SLA clocks, CSAT, and who else has it open',
    params: idParams,
    response: ticketView,
    handler: ({ ctx, params, principal }) => present(ctx, params.id, principal),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/tickets/:id',
    access: 'service.write',
    tag: 'service',
    summary: 'Change a ticket (status, type, priority, queue, assignee, tags, orders, fields, CSAT skip)',
    params: idParams,
    body: ticketUpdateBody,
    response: ticketView,
    handler: async ({ ctx, params, body, principal, ip }) => {
      const c = await deskOf(ctx);
      await ctx.db.transaction().execute(async (trx) => {
        await lockVisible(trx, c.settings, params.id, principal);
        await updateTicket(trx, { ...c, db: trx }, params.id, body, actorOf(principal, ip));
      });
      return present(ctx, params.id, principal);
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/tickets/:id/complaint',
    access: 'service.write',
    tag: 'service',
    summary: 'Record a complaint on a ticket: severity, category, products; then the resolution and compensation given',
    params: idParams,
    body: complaintBody,
    response: ticketView,
    handler: async ({ ctx, params, body, principal, ip }) => {
      const c = await deskOf(ctx);
      await ctx.db.transaction().execute(async (trx) => {
        await lockVisible(trx, c.settings, params.id, principal);
        await saveComplaint(trx, c.settings, params.id, body, actorOf(principal, ip), c.now);
      });
      return present(ctx, params.id, principal);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/tickets/:id/replies',
    access: 'service.write',
    tag: 'service',
    summary: 'Reply to the customer (sent through messaging on the ticket’s channel) or add an internal note (@mentions)',
    params: idParams,
    body: replyBody,
    response: ticketView,
    status: 201,
    handler: async ({ ctx, params, body, principal, ip }) => {
      const c = await deskOf(ctx);
      await ctx.db.transaction().execute(async (trx) => {
        await lockVisible(trx, c.settings, params.id, principal);
        await postAgentMessage(trx, { ...c, db: trx }, params.id, body, actorOf(principal, ip));
      });
      // A chat visitor connected here sees the reply at once.
      await chatHub.publish(ctx, params.id);
      return present(ctx, params.id, principal);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/tickets/:id/customer-messages',
    access: 'service.write',
    tag: 'service',
    summary: 'Add the customer’s next message (a marketplace chat bridge); reopens a solved ticket; idempotent by externalId',
    params: idParams,
    body: customerMessageBody,
    response: created,
    status: 201,
    handler: async ({ ctx, params, body, principal }) => {
      const c = await deskOf(ctx);
      return ctx.db.transaction().execute(async (trx) => {
        const t = await lockVisible(trx, c.settings, params.id, principal);
        if (!takesReplies(c.settings, t, c.now)) throw serviceErrors.notFound(params.id);
        const externalRef = body.externalId ? `api:${body.externalId}` : null;
        const id = await appendMessage(
          trx,
          ctx.keyring,
          { ticketId: params.id, author: 'customer', channel: t.channel, body: body.body, externalRef },
          c.now,
        );
        if (id !== null) await customerWrote(trx, { ...c, db: trx }, t);
        return { id: params.id, created: id !== null };
      });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/tickets/:id/merge',
    access: 'service.write',
    tag: 'service',
    summary: 'Merge this ticket into another of the same customer (threads kept, this one closed)',
    params: idParams,
    body: mergeBody,
    response: ticketView,
    handler: async ({ ctx, params, body, principal, ip }) => {
      const c = await deskOf(ctx);
      await ctx.db.transaction().execute(async (trx) => {
        await lockVisible(trx, c.settings, body.into, principal);
        await mergeTickets(trx, { ...c, db: trx }, params.id, body.into, actorOf(principal, ip));
      });
      return present(ctx, body.into, principal);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/tickets/:id/split',
    access: 'service.write',
    tag: 'service',
    summary: 'Move some of the customer’s messages to a new ticket',
    params: idParams,
    body: splitBody,
    response: ticketView,
    status: 201,
    handler: async ({ ctx, params, body, principal, ip }) => {
      const c = await deskOf(ctx);
      const id = await ctx.db.transaction().execute(async (trx) => {
        await lockVisible(trx, c.settings, params.id, principal);
        return splitTicket(trx, { ...c, db: trx }, params.id, body.messageIds, body.subject, actorOf(principal, ip));
      });
      return present(ctx, id, principal);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/tickets/:id/macros/:key',
    access: 'service.write',
    tag: 'service',
    summary: 'Apply a macro: its actions (status, tags, priority, assignee) now, its reply rendered as a draft to edit and send',
    params: macroParams,
    response: macroResult,
    handler: async ({ ctx, params, principal, ip }) => {
      const c = await deskOf(ctx);
      const draft = await ctx.db.transaction().execute(async (trx) => {
        await lockVisible(trx, c.settings, params.id, principal);
        return applyMacro(trx, { ...c, db: trx }, params.id, params.key, actorOf(principal, ip));
      });
      return { draft, ticket: await present(ctx, params.id, principal) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/tickets/:id/events',
    access: 'service.read',
    tag: 'service',
    summary: 'Everything done to a ticket, by whom',
    params: idParams,
    response: ticketEventList,
    handler: async ({ ctx, params, principal }) => {
      await assertVisible(ctx.db, await serviceSettingsOf(ctx.db), params.id, principal);
      const rows = await ctx.db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', params.id).orderBy('id').execute();
      return { items: rows.map((r) => ({ id: Number(r.id), actor: r.actor, action: r.action, detail: r.detail, at: r.at.toISOString() })) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/tickets/:id/attachments/:attachmentId',
    access: 'service.read',
    tag: 'service',
    summary: 'A file that came with a customer’s message',
    params: ticketIdParams,
    handler: async ({ ctx, params, principal, reply }) => {
      const a = await attachmentOf(ctx.db, await serviceSettingsOf(ctx.db), params.id, params.attachmentId, principal);
      reply
        .header('content-type', a.content_type)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(a.file_name)}`)
        .header('x-content-type-options', 'nosniff');
      return a.data;
    },
  }),
];
