import { sql } from 'kysely';
import type { RenderedMessage } from '../../../contracts/messaging.ts';
import type { Db, MessageTable } from '../../db/index.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { maskEmail, maskPhone } from '../../platform/mask.ts';
import type { Selectable } from 'kysely';

export const messageErrors = {
  templateNotFound: (key: string) => new AppError('TEMPLATE_NOT_FOUND', 'not_found', `No message template "${key}".`),
  customerNotFound: (id: number) => new AppError('CUSTOMER_NOT_FOUND', 'not_found', `Customer ${id} does not exist.`),
};

export type EnqueueInput = {
  /** Unique per message: its source and person (`campaign:12:customer:34`). The same key twice is one message. */
  key: string;
  customerId: number;
  template: string;
  variables?: Record<string, unknown>;
  /** Not before this instant (default now). */
  sendAt?: Date;
  /** What asked for it: `api`, `campaign:12`, `journey:3`. */
  source: string;
};

/**
 * Queues a message inside the caller's transaction: it exists exactly when what caused it commits, once per key.
 * Its channel and purpose are its template's; nothing is decided here — consent, quiet hours and caps are checked
 * when it is sent.
 */
export async function enqueueMessage(trx: Db, input: EnqueueInput): Promise<{ messageId: number; created: boolean }> {
  const t = await trx.selectFrom('message_templates').select(['channel', 'purpose']).where('key', '=', input.template).executeTakeFirst();
  if (!t) throw messageErrors.templateNotFound(input.template);
  const inserted = await trx
    .insertInto('messages')
    .values({
      key: input.key,
      customer_id: input.customerId,
      channel: t.channel,
      purpose: t.purpose,
      template_key: input.template,
      variables: JSON.stringify(input.variables ?? {}),
      language: null,
      source: input.source,
      ...(input.sendAt ? { not_before: input.sendAt } : {}),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { messageId: Number(inserted.id), created: true };
  const existing = await trx.selectFrom('messages').select('id').where('key', '=', input.key).executeTakeFirstOrThrow();
  return { messageId: Number(existing.id), created: false };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A message as the admin sees it; what was sent is masked (address and personal cells) unless revealed. */
export function presentMessage(keyring: Keyring, r: Selectable<MessageTable>, reveal: boolean) {
  let rendered: RenderedMessage | null = r.rendered_enc ? (JSON.parse(decryptField(keyring, r.rendered_enc)) as RenderedMessage) : null;
  if (rendered && !reveal && rendered.to)
    rendered = { ...rendered, to: r.channel === 'email' ? maskEmail(rendered.to) : maskPhone(rendered.to) };
  return {
    id: Number(r.id),
    key: r.key,
    customerId: r.customer_id === null ? null : Number(r.customer_id),
    channel: r.channel,
    purpose: r.purpose,
    template: r.template_key,
    status: r.status,
    skipReason: r.skip_reason,
    notBefore: r.not_before.toISOString(),
    rescheduledFrom: iso(r.rescheduled_from),
    attempts: r.attempts,
    provider: r.provider,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    sentAt: iso(r.sent_at),
    rendered,
  };
}

export type MessageFilter = {
  limit: number;
  offset: number;
  customerId?: number;
  status?: Selectable<MessageTable>['status'];
  provider?: string;
};

export async function listMessages(db: Db, keyring: Keyring, f: MessageFilter & { reveal: boolean }) {
  let q = db.selectFrom('messages');
  if (f.customerId) q = q.where('customer_id', '=', f.customerId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.provider) q = q.where('provider', '=', f.provider);
  const [rows, total] = await Promise.all([
    q.selectAll().orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((r) => presentMessage(keyring, r, f.reveal)), total: Number(total.n) };
}
