import { sql } from 'kysely';
import type { BotAnswer, KbLanguage } from '../../../contracts/knowledge.ts';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { decryptField } from '../../platform/crypto.ts';
import { resolveCustomer } from '../identity/index.ts';
import { askBot, handedOver, transcriptOf } from '../knowledge/index.ts';
import { serviceSettingsOf } from './settings.ts';
import { type Ticket, appendMessage, customerWrote, openTicket, resolveRequester, takesReplies } from './tickets.ts';
import { recordTicketEvent } from './trail.ts';

/** What the widget is shown of a conversation: the customer's, the bot's and agents' messages, never notes. */
export type ChatLine = { id: number; author: 'customer' | 'agent' | 'bot'; body: string; at: string };

/** A line of the bot's conversation an agent takes over. */
export type BotLine = { author: 'customer' | 'bot'; text: string };

/** A connected visitor: where to send their conversation's new lines. */
export type ChatPeer = { anonymousId: string; send(data: object): void };

/**
 * The visitors connected to this process, by the ticket they talk on. An agent's reply (or the visitor's own message,
 * from another tab) is pushed to every socket of the ticket as soon as it is committed.
 */
export class ChatHub {
  private readonly byTicket = new Map<number, Set<ChatPeer>>();
  private readonly seen = new Map<ChatPeer, number>();

  join(ticketId: number, peer: ChatPeer, lastId: number) {
    let set = this.byTicket.get(ticketId);
    if (!set) {
      set = new Set();
      this.byTicket.set(ticketId, set);
    }
    set.add(peer);
    this.seen.set(peer, Math.max(this.seen.get(peer) ?? 0, lastId));
  }

  leave(peer: ChatPeer) {
    for (const [id, set] of this.byTicket) {
      set.delete(peer);
      if (set.size === 0) this.byTicket.delete(id);
    }
    this.seen.delete(peer);
  }

  get connections() {
    return this.seen.size;
  }

  /** Sends each socket of the ticket the lines it has not seen yet. */
  async publish(ctx: AppContext, ticketId: number): Promise<void> {
    const peers = this.byTicket.get(ticketId);
    if (!peers || peers.size === 0) return;
    const since = Math.min(...[...peers].map((p) => this.seen.get(p) ?? 0));
    const lines = await linesOf(ctx, ticketId, since);
    if (lines.length === 0) return;
    for (const p of peers) {
      const fresh = lines.filter((l) => l.id > (this.seen.get(p) ?? 0));
      if (fresh.length === 0) continue;
      this.seen.set(p, fresh[fresh.length - 1].id);
      p.send({ type: 'messages', messages: fresh });
    }
  }
}

/** One hub per process: the HTTP server's sockets and its reply route share it. */
export const chatHub = new ChatHub();

async function linesOf(ctx: AppContext, ticketId: number, afterId: number): Promise<ChatLine[]> {
  const rows = await ctx.db
    .selectFrom('ticket_messages')
    .select(['id', 'author', 'body_enc', 'created_at'])
    .where('ticket_id', '=', ticketId)
    .where('id', '>', afterId)
    .where('author', 'in', ['customer', 'agent', 'bot'])
    .orderBy('id')
    .limit(200)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    author: r.author as ChatLine['author'],
    body: decryptField(ctx.keyring, r.body_enc),
    at: r.created_at.toISOString(),
  }));
}

/**
 * The visitor's chat that still takes messages: the newest open chat by their anonymous id, or of the person it was
 * stitched to (two index lookups, not one OR a planner would scan for).
 */
async function openChatOf(db: Db, anonymousId: string, customerId: number | null): Promise<Ticket | undefined> {
  const open = (q: ReturnType<typeof chats>) =>
    q.where('channel', '=', 'chat').where('merged_into', 'is', null).where('status', '<>', 'closed');
  const chats = () => db.selectFrom('tickets').selectAll().orderBy('id', 'desc').limit(1);
  const byVisitor = await open(chats().where('anonymous_id', '=', anonymousId)).executeTakeFirst();
  const byPerson = customerId === null ? undefined : await open(chats().where('customer_id', '=', customerId)).executeTakeFirst();
  return [byVisitor, byPerson].filter((t): t is Ticket => t !== undefined).sort((a, b) => Number(b.id) - Number(a.id))[0];
}

/** The conversation a visitor sees when the widget connects: their open chat's lines (none: an empty chat). */
export async function chatHistory(ctx: AppContext, anonymousId: string): Promise<{ ticketId: number | null; messages: ChatLine[] }> {
  const customerId = await resolveRequester(ctx.db, ctx.keyring, { anonymousId }, ctx.clock.now());
  const t = await openChatOf(ctx.db, anonymousId, customerId);
  return t ? { ticketId: Number(t.id), messages: await linesOf(ctx, Number(t.id), 0) } : { ticketId: null, messages: [] };
}

/**
 * A visitor's message: it continues their open chat (reopening a recently solved one) or opens a new chat ticket — with
 * the conversation the bot had before it handed over, when there was one (`transcript`, ending with this message).
 */
export async function chatMessage(
  ctx: AppContext,
  anonymousId: string,
  text: string,
  transcript: readonly BotLine[] = [],
): Promise<number> {
  const now = ctx.clock.now();
  const settings = await serviceSettingsOf(ctx.db);
  const ticketId = await ctx.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`chat:${anonymousId}`}))`.execute(trx);
    const c = { db: trx, keyring: ctx.keyring, now, settings };
    const customerId = await resolveRequester(trx, ctx.keyring, { anonymousId }, now);
    const open = await openChatOf(trx, anonymousId, customerId);
    if (open && takesReplies(settings, open, now)) {
      await appendMessage(trx, ctx.keyring, { ticketId: Number(open.id), author: 'customer', channel: 'chat', body: text }, now);
      await customerWrote(trx, c, open);
      return Number(open.id);
    }
    const first = transcript[0]?.text ?? text;
    const subject = first.length > 60 ? `${first.slice(0, 60)}…` : first;
    const opened = await openTicket(
      trx,
      c,
      {
        subject,
        body: first,
        type: 'pre_sale',
        priority: 'normal',
        channel: 'chat',
        customerId: customerId ?? undefined,
        anonymousId,
        tags: [],
        orderRefs: [],
        fields: {},
      },
      'customer',
    );
    for (const line of transcript.slice(1))
      await appendMessage(trx, ctx.keyring, { ticketId: opened.ticketId, author: line.author, channel: 'chat', body: line.text }, now);
    return opened.ticketId;
  });
  return ticketId;
}

/**
 * A visitor's message when no agent has their chat yet: the FAQ bot answers first. When it hands over (the visitor
 * asked for a person, or no article answers with confidence) the conversation so far opens the chat ticket agents see.
 * With the bot off, or a chat already with an agent, the message goes to the ticket as before.
 */
export async function visitorWrote(
  ctx: AppContext,
  anonymousId: string,
  text: string,
  language: KbLanguage,
): Promise<{ answer: BotAnswer | null; ticketId: number | null }> {
  const now = ctx.clock.now();
  const settings = await serviceSettingsOf(ctx.db);
  const customerId = await resolveRequester(ctx.db, ctx.keyring, { anonymousId }, now);
  const open = await openChatOf(ctx.db, anonymousId, customerId);
  if (!settings.bot.enabled || (open && takesReplies(settings, open, now)))
    return { answer: null, ticketId: await chatMessage(ctx, anonymousId, text) };
  const { conversationId, ...answer } = await askBot(ctx, { visitor: anonymousId, text, language, channel: 'chat', customerId });
  if (!answer.handoff) return { answer, ticketId: null };
  const ticketId = await chatMessage(ctx, anonymousId, text, await transcriptOf(ctx, conversationId));
  await handedOver(ctx.db, conversationId, ticketId);
  return { answer, ticketId };
}

/**
 * The visitor left their contact in the chat: they are resolved like any identify (the anonymous id stitched to the
 * person who holds the e-mail or phone, else a new person), and their chats become that person's.
 */
export async function chatIdentify(
  ctx: AppContext,
  anonymousId: string,
  who: { email?: string; phone?: string; name?: string },
): Promise<number> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const r = await resolveCustomer(trx, ctx.keyring, {
      identifiers: [
        ...(who.email ? [{ kind: 'email' as const, value: who.email }] : []),
        ...(who.phone ? [{ kind: 'phone' as const, value: who.phone }] : []),
        { kind: 'anonymous', value: anonymousId },
      ],
      profile: who.name ? { name: who.name } : undefined,
      source: 'chat',
      now,
    });
    const attached = await attachVisitorTickets(trx, now, anonymousId);
    for (const id of attached) await recordTicketEvent(trx, id, 'customer', 'identified', { customerId: r.customerId }, now);
    return r.customerId;
  });
}

/**
 * Chats of visitors not known when they wrote get their person once the anonymous id is stitched to one (an identify
 * through the tracking API, the SDKs, or the chat itself). Returns the tickets attached.
 */
export async function attachVisitorTickets(db: Db, now: Date, anonymousId?: string): Promise<number[]> {
  const r = await sql<{ id: number }>`
    update tickets t set customer_id = i.customer_id, updated_at = ${now}
    from customer_identities i
    where t.customer_id is null and t.anonymous_id is not null and i.kind = 'anonymous' and i.channel = '' and i.key = t.anonymous_id
      ${anonymousId ? sql`and t.anonymous_id = ${anonymousId}` : sql``}
    returning t.id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}
