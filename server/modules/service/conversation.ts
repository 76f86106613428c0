import type { ServiceSettings, TicketStatus } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { enqueueMessage, reachableChannels } from '../messaging/index.ts';
import { type Ticket, appendMessage, changeStatus, lockTicket } from './tickets.ts';
import { meetClocks } from './sla.ts';
import { recordTicketEvent } from './trail.ts';

/** The messaging templates agents' replies go out with, per channel. */
export const REPLY_TEMPLATES = { email: 'service.reply', sms: 'service.reply.sms' } as const;

type Ctx = { db: Db; keyring: Keyring; now: Date; settings: ServiceSettings };

/**
 * The channel a reply goes out on: the one the customer wrote on (SMS to an SMS ticket, e-mail otherwise), else the
 * other when that is the only address they have (a web form left with a phone); chat replies stay in the chat.
 */
async function replyChannel(db: Db, t: Ticket): Promise<keyof typeof REPLY_TEMPLATES | null> {
  if (t.channel === 'chat' || t.customer_id === null) return null;
  const wanted = t.channel === 'sms' ? 'sms' : 'email';
  const reachable = await reachableChannels(db, Number(t.customer_id));
  const other = wanted === 'sms' ? 'email' : 'sms';
  return reachable[wanted] || !reachable[other] ? wanted : other;
}

/** `@name` or `@email-local-part` of active users, as their ids. */
async function mentionsIn(db: Db, body: string): Promise<number[]> {
  const handles = [...body.matchAll(/@([\p{L}\p{N}._-]{1,60})/gu)].map((m) => m[1].toLowerCase());
  if (handles.length === 0) return [];
  const users = await db.selectFrom('users').select(['id', 'name', 'email']).where('status', '=', 'active').execute();
  return users
    .filter((u) => handles.includes(u.name.toLowerCase().replace(/\s+/g, '')) || handles.includes(u.email.toLowerCase().split('@')[0]))
    .map((u) => Number(u.id));
}

/** The e-mail thread a reply continues: the customer's latest Message-ID and the ones before it. */
async function threadOf(trx: Db, ticketId: number, supportAddress: string | null) {
  const refs = (
    await trx
      .selectFrom('ticket_messages')
      .select('external_ref')
      .where('ticket_id', '=', ticketId)
      .where('external_ref', 'like', '<%>')
      .orderBy('id', 'desc')
      .limit(10)
      .execute()
  ).map((r) => r.external_ref as string);
  return { inReplyTo: refs[0] ?? null, references: refs.reverse(), replyTo: supportAddress };
}

/**
 * An agent's reply (to the customer, through the messaging outbox on the ticket's channel, in the same transaction)
 * or internal note (@mentions alert the named agents). A reply meets the first- and next-reply targets and leaves the
 * ticket pending on the customer unless another status is asked for.
 */
export async function postAgentMessage(
  trx: Db,
  c: Ctx,
  ticketId: number,
  m: { body: string; kind: 'reply' | 'note'; status?: TicketStatus },
  actor: Actor,
): Promise<number> {
  const t = await lockTicket(trx, ticketId);
  const userId = actor.type === 'user' ? actor.id : null;
  if (m.kind === 'note') {
    const mentions = await mentionsIn(trx, m.body);
    const id = await appendMessage(
      trx,
      c.keyring,
      { ticketId, author: 'note', userId, channel: 'internal', body: m.body, mentions },
      c.now,
    );
    await recordTicketEvent(trx, ticketId, actor, 'note', { messageId: id, notify: mentions }, c.now);
    if (m.status) await changeStatus(trx, c, t, m.status, actor);
    return id as number;
  }
  const channel = await replyChannel(trx, t);
  const id = (await appendMessage(
    trx,
    c.keyring,
    { ticketId, author: 'agent', userId, channel: channel ?? t.channel, body: m.body },
    c.now,
  )) as number;
  if (channel) {
    const agent = userId ? await trx.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst() : undefined;
    const { messageId } = await enqueueMessage(trx, {
      key: `ticket:${ticketId}:message:${id}`,
      customerId: Number(t.customer_id),
      template: REPLY_TEMPLATES[channel],
      variables: {
        ticket: { id: ticketId, subject: t.subject },
        reply: { body: m.body },
        agent: { name: agent?.name ?? '' },
        email_thread: await threadOf(trx, ticketId, c.settings.supportAddress),
      },
      source: `ticket:${ticketId}`,
    });
    await trx.updateTable('ticket_messages').set({ outbox_id: messageId }).where('id', '=', id).execute();
  }
  await trx
    .updateTable('tickets')
    .set({ last_agent_at: c.now, updated_at: c.now, first_replied_at: t.first_replied_at ?? c.now })
    .where('id', '=', ticketId)
    .execute();
  await meetClocks(trx, ticketId, ['first_reply', 'next_reply'], c.now);
  await recordTicketEvent(trx, ticketId, actor, 'reply', { messageId: id }, c.now);
  await changeStatus(trx, c, { ...t, first_replied_at: t.first_replied_at ?? c.now }, m.status ?? 'pending', actor);
  return id;
}
