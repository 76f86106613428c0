import { type Selectable, type Updateable, sql } from 'kysely';
import type { z } from 'zod';
import type { ServiceSettings, TicketStatus, TicketUpdate, createTicketBody } from '../../../contracts/service.ts';
import type { Db, TicketAuthor, TicketTable } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type Keyring, encryptField } from '../../platform/crypto.ts';
import { currentCustomerId } from '../customers/index.ts';
import { type Identifier, findKnownCustomers, resolveCustomer } from '../identity/index.ts';
import { scheduleCsat } from './csat.ts';
import { policyFor, queueFor, queueOf, serviceErrors } from './settings.ts';
import { meetClocks, pauseClocks, rescheduleClocks, resumeClocks, startClock } from './sla.ts';
import { recordTicketEvent } from './trail.ts';
import { emit } from '../../events/index.ts';

export type Ticket = Selectable<TicketTable>;
type Ctx = { db: Db; keyring: Keyring; now: Date; settings: ServiceSettings };

const PAUSED: readonly TicketStatus[] = ['pending', 'on_hold', 'solved', 'closed'];

/** A ticket locked for change; a merged ticket answers with where it went. */
export async function lockTicket(trx: Db, id: number): Promise<Ticket> {
  const t = await trx.selectFrom('tickets').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!t) throw serviceErrors.notFound(id);
  if (t.merged_into !== null) throw serviceErrors.merged(id, Number(t.merged_into));
  return t;
}

export type Requester = { customerId?: number; customer?: z.infer<typeof createTicketBody>['customer']; anonymousId?: string };

/**
 * The person a ticket is from: an id (followed through merges), or identifiers resolved like any other ingest (an
 * unknown sender becomes a person). A chat visitor known only by the tracking anonymous id is whoever that id was
 * stitched to, else no one yet (null): they become a person when they identify.
 */
export async function resolveRequester(trx: Db, keyring: Keyring, r: Requester, now: Date): Promise<number | null> {
  if (r.customerId) {
    try {
      return await currentCustomerId(trx, r.customerId);
    } catch {
      throw serviceErrors.customerNotFound(r.customerId);
    }
  }
  const c = r.customer;
  const anonymous: Identifier[] = r.anonymousId ? [{ kind: 'anonymous', value: r.anonymousId }] : [];
  const identifiers: Identifier[] = [
    ...(c?.externalId ? [{ kind: 'external' as const, channel: c.externalId.channel, value: c.externalId.id }] : []),
    ...(c?.phone ? [{ kind: 'phone' as const, value: c.phone }] : []),
    ...(c?.email ? [{ kind: 'email' as const, value: c.email }] : []),
  ];
  if (identifiers.length === 0)
    return anonymous.length > 0 ? ((await findKnownCustomers(trx, keyring, [anonymous], now))[0] ?? null) : null;
  const resolved = await resolveCustomer(trx, keyring, {
    identifiers: [...identifiers, ...anonymous],
    profile: c?.name ? { name: c.name } : undefined,
    source: 'service',
    now,
  });
  if (resolved.rejected.length >= identifiers.length) throw serviceErrors.noCustomer();
  return resolved.customerId;
}

/** Appends a message to a ticket's conversation (the body encrypted). An external ref seen before: nothing, null. */
export async function appendMessage(
  trx: Db,
  keyring: Keyring,
  m: {
    ticketId: number;
    author: TicketAuthor;
    userId?: number | null;
    channel: string;
    body: string;
    externalRef?: string | null;
    mentions?: number[];
  },
  now: Date,
): Promise<number | null> {
  const row = await trx
    .insertInto('ticket_messages')
    .values({
      ticket_id: m.ticketId,
      author: m.author,
      user_id: m.userId ?? null,
      channel: m.channel,
      body_enc: encryptField(keyring, m.body),
      external_ref: m.externalRef ?? null,
      mentions: m.mentions ?? [],
      created_at: now,
    })
    .onConflict((oc) => oc.column('external_ref').where('external_ref', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

/** Active users who may answer tickets, of these ids. */
async function agentsAmong(db: Db, ids: readonly number[], onlineSince: Date | null): Promise<number[]> {
  if (ids.length === 0) return [];
  let q = db
    .selectFrom('users')
    .select('users.id')
    .where('users.id', 'in', [...ids])
    .where('users.status', '=', 'active')
    .where('users.role', 'in', ['owner', 'admin', 'service_agent']);
  if (onlineSince)
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('sessions')
          .select('sessions.id')
          .whereRef('sessions.user_id', '=', 'users.id')
          .where('sessions.last_seen_at', '>=', onlineSince),
      ),
    );
  return (await q.orderBy('users.id').execute()).map((r) => Number(r.id));
}

/**
 * Round robin within a queue: the next online agent after the one its latest auto-assigned ticket went to (serialised
 * per queue, so two tickets arriving together go to two agents). No one online: the ticket waits unassigned.
 */
async function roundRobin(trx: Db, s: ServiceSettings, queue: string, now: Date): Promise<number | null> {
  const q = queueOf(s, queue);
  if (q?.assignment !== 'round_robin') return null;
  await sql`select pg_advisory_xact_lock(hashtext(${`service-rr:${queue}`}))`.execute(trx);
  const online = await agentsAmong(trx, q.agentIds, new Date(now.getTime() - 15 * 60_000));
  if (online.length === 0) return null;
  const last = await trx
    .selectFrom('tickets')
    .select('assignee_id')
    .where('queue', '=', queue)
    .where('assignee_id', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const prev = last?.assignee_id == null ? -1 : Number(last.assignee_id);
  return online.find((id) => id > prev) ?? online[0];
}

export type NewTicket = z.infer<typeof createTicketBody> & { anonymousId?: string; externalRef?: string | null };

/**
 * Opens a ticket with the customer's first message: the requester resolved (unknown senders become people), the
 * queue and SLA policy chosen, clocks started, the ticket assigned by its queue's rule. A message whose external ref
 * was seen before returns the ticket it opened.
 */
export async function openTicket(
  trx: Db,
  c: Ctx,
  input: NewTicket,
  actor: Actor | 'customer',
): Promise<{ ticketId: number; created: boolean }> {
  const externalRef = input.externalRef ?? (input.externalId ? `api:${input.externalId}` : null);
  if (externalRef) {
    const seen = await trx.selectFrom('ticket_messages').select('ticket_id').where('external_ref', '=', externalRef).executeTakeFirst();
    if (seen) return { ticketId: Number(seen.ticket_id), created: false };
  }
  const customerId = await resolveRequester(trx, c.keyring, input, c.now);
  if (customerId === null && !input.anonymousId) throw serviceErrors.noCustomer();
  const queue = queueFor(c.settings, input.queue, input.type);
  const policy = policyFor(c.settings, input);
  const assignee = queue ? await roundRobin(trx, c.settings, queue, c.now) : null;
  const t = await trx
    .insertInto('tickets')
    .values({
      subject: input.subject,
      type: input.type,
      priority: input.priority,
      status: assignee ? 'open' : 'new',
      channel: input.channel,
      customer_id: customerId,
      anonymous_id: input.anonymousId ?? null,
      queue,
      assignee_id: assignee,
      tags: input.tags,
      fields: JSON.stringify(input.fields),
      order_refs: input.orderRefs,
      merged_into: null,
      sla_policy: policy?.key ?? null,
      created_at: c.now,
      updated_at: c.now,
      last_customer_at: c.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const id = Number(t.id);
  await appendMessage(trx, c.keyring, { ticketId: id, author: 'customer', channel: input.channel, body: input.body, externalRef }, c.now);
  await recordTicketEvent(trx, id, actor, 'created', { channel: input.channel, queue, policy: policy?.key ?? null }, c.now);
  if (assignee)
    await recordTicketEvent(trx, id, 'system', 'assigned', { assigneeId: assignee, rule: 'round_robin', notify: [assignee] }, c.now);
  const ref = { ...t, id };
  await emitTicket(trx, 'ticket.created', ref, `ticket:${id}:created`, c.now);
  await startClock(trx, c.settings, ref, 'first_reply', c.now);
  await startClock(trx, c.settings, ref, 'resolution', c.now);
  return { ticketId: id, created: true };
}

/** Moves a ticket to a status: clocks pause and resume with it, solving meets the resolution target and asks for CSAT. */
export async function changeStatus(trx: Db, c: Ctx, t: Ticket, to: TicketStatus, actor: Actor | 'system' | 'customer'): Promise<void> {
  if (t.status === to) return;
  const stamps: Partial<Record<'solved_at' | 'closed_at', Date | null>> = {};
  if (to === 'solved') stamps.solved_at = c.now;
  if (to === 'closed') stamps.closed_at = c.now;
  if (!PAUSED.includes(to)) stamps.solved_at = null;
  await trx
    .updateTable('tickets')
    .set({ status: to, updated_at: c.now, ...stamps })
    .where('id', '=', t.id)
    .execute();
  if (to === 'solved') await meetClocks(trx, t.id, ['resolution'], c.now);
  if (PAUSED.includes(to) && !PAUSED.includes(t.status)) await pauseClocks(trx, c.settings, t, c.now);
  if (!PAUSED.includes(to) && PAUSED.includes(t.status)) {
    await resumeClocks(trx, c.settings, t, c.now);
    if (t.status === 'solved' || t.status === 'closed') await startClock(trx, c.settings, t, 'resolution', c.now);
  }
  if (to === 'solved' && !t.csat_skip && t.customer_id !== null && c.settings.csat.enabled) await scheduleCsat(trx, c, t);
  if (to === 'solved') await emitTicket(trx, 'ticket.solved', t, `ticket:${t.id}:solved:${c.now.getTime()}`, c.now);
  await recordTicketEvent(trx, t.id, actor, 'status', { from: t.status, to }, c.now);
}

/** A ticket's domain event (webhooks and other subscribers hear of it). */
const emitTicket = (trx: Db, type: 'ticket.created' | 'ticket.solved', t: Ticket, key: string, now: Date) =>
  emit(trx, {
    key,
    type,
    customerId: t.customer_id === null ? null : Number(t.customer_id),
    occurredAt: now,
    payload: { ticketId: Number(t.id), channel: t.channel, type: t.type, priority: t.priority, queue: t.queue },
  });

/** The customer wrote again: the ticket reopens (a solved one within the reopen window), the next-reply clock starts. */
export async function customerWrote(trx: Db, c: Ctx, t: Ticket): Promise<void> {
  await trx.updateTable('tickets').set({ last_customer_at: c.now, updated_at: c.now }).where('id', '=', t.id).execute();
  if (t.status !== 'new' && t.status !== 'open') await changeStatus(trx, c, t, 'open', 'customer');
  if (t.first_replied_at) await startClock(trx, c.settings, t, 'next_reply', c.now);
}

/** Whether a customer's new message belongs on this ticket, or starts a new one (closed, or solved too long ago). */
export const takesReplies = (s: ServiceSettings, t: Ticket, now: Date) =>
  t.merged_into === null &&
  t.status !== 'closed' &&
  !(t.status === 'solved' && t.solved_at && now.getTime() - t.solved_at.getTime() > s.reopenDays * 86_400_000);

async function checkAgent(db: Db, id: number | null | undefined) {
  if (id == null) return;
  if ((await agentsAmong(db, [id], null)).length === 0) throw serviceErrors.unknownAgent(id);
}

/** Applies an agent's change to a ticket (status, fields, assignment), each change in the ticket's trail. */
export async function updateTicket(trx: Db, c: Ctx, id: number, patch: TicketUpdate, actor: Actor): Promise<void> {
  const t = await lockTicket(trx, id);
  await checkAgent(trx, patch.assigneeId);
  if (patch.queue) queueFor(c.settings, patch.queue, t.type);
  const set: Record<string, unknown> = {};
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  const diff = <K extends keyof TicketTable>(col: K, value: unknown, name: string) => {
    if (value === undefined || JSON.stringify(value) === JSON.stringify(t[col])) return;
    set[col] = col === 'fields' ? JSON.stringify(value) : value;
    changed[name] = { from: t[col], to: value };
  };
  diff('subject', patch.subject, 'subject');
  diff('type', patch.type, 'type');
  diff('priority', patch.priority, 'priority');
  diff('queue', patch.queue, 'queue');
  diff('assignee_id', patch.assigneeId, 'assignee');
  diff('tags', patch.tags, 'tags');
  diff('order_refs', patch.orderRefs, 'orderRefs');
  diff('fields', patch.fields, 'fields');
  diff('csat_skip', patch.csatSkip, 'csatSkip');
  if (Object.keys(set).length > 0) {
    const next = { ...t, ...set } as Ticket;
    const policy = policyFor(c.settings, next)?.key ?? null;
    if (policy !== t.sla_policy) set.sla_policy = policy;
    const status = t.status === 'new' && patch.assigneeId ? 'open' : t.status;
    await trx
      .updateTable('tickets')
      .set({ ...(set as Updateable<TicketTable>), status, updated_at: c.now })
      .where('id', '=', id)
      .execute();
    const notify = patch.assigneeId ? [patch.assigneeId] : [];
    await recordTicketEvent(trx, id, actor, 'updated', { changed, notify }, c.now);
    if (set.sla_policy !== undefined || set.queue !== undefined)
      await rescheduleClocks(trx, c.settings, { ...t, ...set, sla_policy: policy } as Ticket, c.now);
  }
  if (patch.status) await changeStatus(trx, c, await lockTicket(trx, id), patch.status, actor);
}

/** Merges a ticket into another of the same customer: its thread, tags and orders move; it closes, pointing there. */
export async function mergeTickets(trx: Db, c: Ctx, fromId: number, intoId: number, actor: Actor): Promise<void> {
  if (fromId === intoId) throw serviceErrors.mergeSelf();
  const [first, second] = fromId < intoId ? [fromId, intoId] : [intoId, fromId];
  const a = await lockTicket(trx, first);
  const b = await lockTicket(trx, second);
  const [from, into] = a.id === fromId ? [a, b] : [b, a];
  if (from.customer_id !== into.customer_id) throw serviceErrors.mergeOtherCustomer();
  await trx.updateTable('ticket_messages').set({ ticket_id: into.id }).where('ticket_id', '=', from.id).execute();
  await trx.updateTable('ticket_attachments').set({ ticket_id: into.id }).where('ticket_id', '=', from.id).execute();
  await trx
    .updateTable('tickets')
    .set({
      tags: sql<string[]>`(select coalesce(array_agg(distinct x), '{}') from unnest(tags || ${from.tags}::text[]) x)`,
      order_refs: sql<string[]>`(select coalesce(array_agg(distinct x), '{}') from unnest(order_refs || ${from.order_refs}::text[]) x)`,
      updated_at: c.now,
    })
    .where('id', '=', into.id)
    .execute();
  await trx
    .updateTable('tickets')
    .set({ merged_into: into.id, status: 'closed', closed_at: c.now, updated_at: c.now })
    .where('id', '=', from.id)
    .execute();
  await meetClocks(trx, from.id, ['first_reply', 'next_reply', 'resolution'], c.now);
  await trx
    .updateTable('feedback_requests')
    .set({ cancelled_at: c.now })
    .where('subject_type', '=', 'ticket')
    .where('subject_id', '=', from.id)
    .where('sent_at', 'is', null)
    .execute();
  await recordTicketEvent(trx, from.id, actor, 'merged', { into: into.id }, c.now);
  await recordTicketEvent(trx, into.id, actor, 'merged_in', { from: from.id }, c.now);
}

/** Moves some of a ticket's customer messages (not all) to a new ticket of the same customer. */
export async function splitTicket(
  trx: Db,
  c: Ctx,
  id: number,
  messageIds: readonly number[],
  subject: string,
  actor: Actor,
): Promise<number> {
  const t = await lockTicket(trx, id);
  const all = await trx.selectFrom('ticket_messages').select(['id', 'author']).where('ticket_id', '=', id).execute();
  const chosen = all.filter((m) => messageIds.includes(Number(m.id)) && m.author === 'customer');
  if (chosen.length === 0 || chosen.length !== messageIds.length || chosen.length === all.length) throw serviceErrors.splitNothing();
  const n = await trx
    .insertInto('tickets')
    .values({
      subject,
      type: t.type,
      priority: t.priority,
      status: 'open',
      channel: t.channel,
      customer_id: t.customer_id,
      anonymous_id: t.anonymous_id,
      queue: t.queue,
      assignee_id: t.assignee_id,
      tags: t.tags,
      order_refs: t.order_refs,
      merged_into: null,
      sla_policy: t.sla_policy,
      created_at: c.now,
      updated_at: c.now,
      last_customer_at: c.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const newId = Number(n.id);
  const ids = chosen.map((m) => Number(m.id));
  await trx.updateTable('ticket_messages').set({ ticket_id: newId }).where('id', 'in', ids).execute();
  await trx.updateTable('ticket_attachments').set({ ticket_id: newId }).where('message_id', 'in', ids).execute();
  await startClock(trx, c.settings, { ...n, id: newId }, 'first_reply', c.now);
  await startClock(trx, c.settings, { ...n, id: newId }, 'resolution', c.now);
  await recordTicketEvent(trx, id, actor, 'split', { to: newId, messages: ids }, c.now);
  await recordTicketEvent(trx, newId, actor, 'split_from', { from: id, messages: ids }, c.now);
  return newId;
}
