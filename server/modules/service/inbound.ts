import { type ParsedMail, simpleParser } from 'mailparser';
import type { DomainEventPayload } from '../../../contracts/events.ts';
import type { EventSubscription } from '../../events/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { decryptField } from '../../platform/crypto.ts';
import { serviceSettingsOf } from './settings.ts';
import { type Ticket, appendMessage, customerWrote, openTicket, resolveRequester, takesReplies } from './tickets.ts';
import { recordTicketEvent } from './trail.ts';

/** The largest attachment kept, and the kinds kept (others are listed on the ticket as dropped). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const KEPT_TYPES =
  /^(image\/(png|jpeg|gif|webp|heic)|application\/pdf|text\/plain|text\/csv|video\/mp4|application\/(zip|msword|vnd\.openxmlformats-officedocument\.[\w.]+|vnd\.ms-excel))$/;

/** Mail no person wrote (auto-replies, lists, bounces): never a ticket, never answered (no mail loops). */
function automatic(mail: ParsedMail): boolean {
  const h = mail.headers;
  const auto = String(h.get('auto-submitted') ?? 'no').toLowerCase();
  const precedence = String(h.get('precedence') ?? '').toLowerCase();
  return (
    auto !== 'no' ||
    ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence) ||
    h.has('x-autoreply') ||
    h.has('x-autorespond') ||
    h.has('list-id')
  );
}

/** The new part of a reply: the quoted thread below "On … wrote:" / "在 … 写道：" / a line of `>` is cut. */
export function newPartOf(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cut = lines.findIndex(
    (l, i) =>
      /^On .{5,200} wrote:\s*$/.test(l) ||
      /^在.{2,200}写道[:：]\s*$/.test(l) ||
      /^-{2,}\s*(Original Message|原始邮件)\s*-{2,}/i.test(l) ||
      (/^>/.test(l) && lines.slice(i).every((x) => /^>|^\s*$/.test(x))),
  );
  const kept = (cut > 0 ? lines.slice(0, cut) : lines).join('\n').trim();
  return kept || text.trim();
}

/** The ticket a message continues: by the Message-IDs it answers (ours or the customer's earlier ones), else by `[#id]`. */
async function threadedTicket(ctx: AppContext, mail: ParsedMail, customerId: number): Promise<Ticket | undefined> {
  const refs = [mail.inReplyTo, ...(Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [])].filter(
    (r): r is string => !!r,
  );
  const ours = refs
    .map((r) => /^<patron-(\d+)@/.exec(r)?.[1])
    .filter((x): x is string => !!x)
    .map(Number);
  let ticketId: number | undefined;
  if (refs.length > 0) {
    const hit = await ctx.db
      .selectFrom('ticket_messages')
      .select('ticket_id')
      .where((eb) => eb.or([eb('external_ref', 'in', refs), ...(ours.length > 0 ? [eb('outbox_id', 'in', ours)] : [])]))
      .orderBy('id', 'desc')
      .executeTakeFirst();
    ticketId = hit ? Number(hit.ticket_id) : undefined;
  }
  const tagged = /\[#(\d{1,12})\]/.exec(mail.subject ?? '')?.[1];
  if (ticketId === undefined && tagged) ticketId = Number(tagged);
  if (ticketId === undefined) return undefined;
  // A merged ticket's mail goes to the ticket it was merged into; a ticket of someone else is not threaded onto.
  for (let hop = 0; hop < 10; hop++) {
    const t = await ctx.db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
    if (!t || t.customer_id !== customerId) return undefined;
    if (t.merged_into === null) return t;
    ticketId = Number(t.merged_into);
  }
  return undefined;
}

export type InboundResult = { ticketId: number | null; created: boolean; ignored?: 'automatic' | 'no_sender' | 'duplicate' };

/**
 * One e-mail to the support address: its sender resolved to a person (unknown senders become people), threaded onto
 * the ticket it answers (reopening it within the reopen window) or opening a new one; attachments kept within limits.
 * The same Message-ID twice is taken once.
 */
export async function receiveSupportMail(ctx: AppContext, raw: Buffer): Promise<InboundResult> {
  const mail = await simpleParser(raw, { skipHtmlToText: false });
  const from = mail.from?.value[0];
  if (!from?.address) return { ticketId: null, created: false, ignored: 'no_sender' };
  if (automatic(mail)) return { ticketId: null, created: false, ignored: 'automatic' };
  const settings = await serviceSettingsOf(ctx.db);
  const now = ctx.clock.now();
  const messageId = mail.messageId ?? null;
  const body = newPartOf(mail.text ?? '') || '(—)';
  const subject = (mail.subject ?? '').trim().slice(0, 300) || '(—)';
  return ctx.db.transaction().execute(async (trx) => {
    const c = { db: trx, keyring: ctx.keyring, now, settings };
    if (messageId) {
      const seen = await trx.selectFrom('ticket_messages').select('ticket_id').where('external_ref', '=', messageId).executeTakeFirst();
      if (seen) return { ticketId: Number(seen.ticket_id), created: false, ignored: 'duplicate' as const };
    }
    const customerId = (await resolveRequester(
      trx,
      ctx.keyring,
      { customer: { email: from.address, name: from.name || undefined } },
      now,
    )) as number;
    const existing = await threadedTicket({ ...ctx, db: trx }, mail, customerId);
    let ticketId: number;
    let created = false;
    let messageRow: number | null;
    if (existing && takesReplies(settings, existing, now)) {
      ticketId = Number(existing.id);
      messageRow = await appendMessage(
        trx,
        ctx.keyring,
        { ticketId, author: 'customer', channel: 'email', body, externalRef: messageId },
        now,
      );
      await customerWrote(trx, c, existing);
    } else {
      const opened = await openTicket(
        trx,
        c,
        {
          subject,
          body,
          type: 'other',
          priority: 'normal',
          channel: 'email',
          customerId,
          tags: [],
          orderRefs: [],
          fields: existing ? { followUpOf: Number(existing.id) } : {},
          externalRef: messageId,
        },
        'customer',
      );
      ticketId = opened.ticketId;
      created = opened.created;
      messageRow = (
        await trx
          .selectFrom('ticket_messages')
          .select('id')
          .where('ticket_id', '=', ticketId)
          .orderBy('id')
          .limit(1)
          .executeTakeFirstOrThrow()
      ).id;
    }
    const dropped: string[] = [];
    for (const a of mail.attachments) {
      const name = (a.filename ?? 'attachment').slice(0, 200);
      if (a.size > MAX_ATTACHMENT_BYTES || !KEPT_TYPES.test(a.contentType)) {
        dropped.push(name);
        continue;
      }
      await trx
        .insertInto('ticket_attachments')
        .values({
          ticket_id: ticketId,
          message_id: Number(messageRow),
          file_name: name,
          content_type: a.contentType,
          size: a.size,
          data: a.content,
        })
        .execute();
    }
    if (dropped.length > 0) await recordTicketEvent(trx, ticketId, 'system', 'attachments_dropped', { files: dropped }, now);
    return { ticketId, created };
  });
}

/**
 * An SMS reply that is no opt-out (messaging's `message.replied`): it continues the sender's latest SMS ticket while
 * that takes replies, else opens one; an unknown number becomes a person. Delivered once per reply.
 */
export const smsReplies: EventSubscription = {
  name: 'service-sms',
  types: ['message.replied'],
  handle: async (event, ctx) => {
    const p = event.payload as DomainEventPayload<'message.replied'>;
    const text = decryptField(ctx.keyring, p.textEnc);
    const now = ctx.clock.now();
    const settings = await serviceSettingsOf(ctx.db);
    const c = { db: ctx.db, keyring: ctx.keyring, now, settings };
    const customerId =
      event.customerId ??
      ((await resolveRequester(ctx.db, ctx.keyring, { customer: { phone: decryptField(ctx.keyring, p.fromEnc) } }, now)) as number);
    const externalRef = `sms:${event.key}`;
    const latest = await ctx.db
      .selectFrom('tickets')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('channel', '=', 'sms')
      .where('merged_into', 'is', null)
      .orderBy('id', 'desc')
      .forUpdate()
      .executeTakeFirst();
    if (latest && takesReplies(settings, latest, now)) {
      const id = await appendMessage(
        ctx.db,
        ctx.keyring,
        { ticketId: Number(latest.id), author: 'customer', channel: 'sms', body: text, externalRef },
        now,
      );
      if (id !== null) await customerWrote(ctx.db, c, latest);
      return;
    }
    const subject = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    await openTicket(
      ctx.db,
      c,
      {
        subject,
        body: text,
        type: 'other',
        priority: 'normal',
        channel: 'sms',
        customerId,
        tags: [],
        orderRefs: [],
        fields: {},
        externalRef,
      },
      'customer',
    );
  },
};
