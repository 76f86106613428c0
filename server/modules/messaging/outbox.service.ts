import { type RawBuilder, sql } from 'kysely';
import type { RenderedMessage } from '../../../contracts/messaging.ts';
import type { Db, MessageTable } from '../../db/index.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { maskEmail, maskPhone } from '../../platform/mask.ts';
import type { Selectable } from 'kysely';
import type { Actor } from '../../http/principal.ts';
import { recordAudit } from '../audit/index.ts';

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
  return (await enqueueMessages(trx, [input])).get(input.key)!;
}

/**
 * Queues several messages at once, as `enqueueMessage` does each (one statement in the usual case: the templates'
 * channel and purpose read by the insert itself) — for a caller acting for many people in one transaction (a pass of
 * the journey runner). Returns each key's message; a key already queued keeps its message (`created: false`).
 */
export async function enqueueMessages(
  trx: Db,
  inputs: readonly EnqueueInput[],
): Promise<Map<string, { messageId: number; created: boolean }>> {
  const out = new Map<string, { messageId: number; created: boolean }>();
  if (inputs.length === 0) return out;
  const inserted = await sql<{ id: number; key: string }>`
    insert into messages (key, customer_id, channel, purpose, template_key, variables, language, source, not_before)
    select u.key, u.customer_id, t.channel, t.purpose, t.key, u.variables, null, u.source, coalesce(u.not_before, now())
    from unnest(${inputs.map((i) => i.key)}::text[], ${inputs.map((i) => i.customerId)}::bigint[], ${inputs.map((i) => i.template)}::text[],
      ${inputs.map((i) => JSON.stringify(i.variables ?? {}))}::jsonb[], ${inputs.map((i) => i.source)}::text[],
      ${inputs.map((i) => i.sendAt?.toISOString() ?? null)}::timestamptz[]) with ordinality as u(key, customer_id, template, variables, source, not_before, n)
    join message_templates t on t.key = u.template
    order by u.n
    on conflict (key) do nothing
    returning id, key`.execute(trx);
  for (const r of inserted.rows) out.set(r.key, { messageId: Number(r.id), created: true });
  const rest = inputs.filter((i) => !out.has(i.key));
  if (rest.length === 0) return out;
  const existing = await trx
    .selectFrom('messages')
    .select(['id', 'key'])
    .where(
      'key',
      'in',
      rest.map((i) => i.key),
    )
    .execute();
  for (const r of existing) out.set(r.key, { messageId: Number(r.id), created: false });
  const missing = rest.find((i) => !out.has(i.key));
  if (missing) throw messageErrors.templateNotFound(missing.template);
  return out;
}

/**
 * Queues a set of messages in one statement, for a send to many (a campaign's audience): `rows` is a query with the
 * columns `key, customer_id, template_key, variables (jsonb), not_before`; channel and purpose are each template's.
 * Rows whose template does not exist are not queued; a key already queued is not queued again. Returns how many were.
 */
export async function enqueueSelected(trx: Db, source: string, rows: RawBuilder<unknown>): Promise<number> {
  const r = await sql`
    insert into messages (key, customer_id, channel, purpose, template_key, variables, not_before, source)
    select q.key, q.customer_id, t.channel, t.purpose, q.template_key, q.variables, q.not_before, ${source}
    from (${rows}) q join message_templates t on t.key = q.template_key
    on conflict (key) do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** A condition for set-based queries: the address (its blind index, an SQL expression) is suppressed on the channel. */
export const suppressedSql = (channel: 'email' | 'sms', addressBidx: RawBuilder<unknown>) =>
  sql<boolean>`exists (select 1 from suppressions s where s.channel = ${channel} and s.address_bidx = ${addressBidx})`;

/** A paused send: its queued messages wait as `held` (never claimed); those already handed over go on. */
export async function holdMessages(trx: Db, source: string, now: Date): Promise<number> {
  const r = await sql`update messages set status = 'held', updated_at = ${now} where source = ${source} and status = 'queued'`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * A resumed send: held messages go back in line, none earlier than now; with a pace (per minute), spaced again from
 * now in their order, so a long pause does not release them all at once.
 */
export async function releaseMessages(trx: Db, source: string, now: Date, perMinute: number | null): Promise<number> {
  const r = await sql`
    update messages m set status = 'queued', updated_at = ${now},
      not_before = greatest(m.not_before, ${now}::timestamptz + coalesce(floor((h.n - 1) / ${perMinute}::float8), 0) * interval '1 minute')
    from (select id, row_number() over (order by not_before, id) n from messages where source = ${source} and status = 'held') h
    where m.id = h.id`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** A cancelled send: what has not been handed over is skipped (reason `cancelled`) and never sent. */
export async function cancelMessages(trx: Db, source: string, now: Date): Promise<number> {
  const r = await sql`update messages set status = 'skipped', skip_reason = 'cancelled', updated_at = ${now}
    where source = ${source} and status in ('queued', 'held')`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * What was sent, masked for a viewer who did not reveal it: the address, and wherever the subject or body quotes it
 * or (previews) the person's other address (an order notice quoting the phone it was sent to).
 */
export function maskRendered(rendered: RenderedMessage, channel: string, also: { email?: string | null; phone?: string | null } = {}) {
  const pairs: [string, string][] = [];
  const add = (value: string | null | undefined, kind: 'email' | 'phone') => {
    if (value) pairs.push([value, kind === 'email' ? maskEmail(value) : maskPhone(value)]);
  };
  add(rendered.to, channel === 'email' ? 'email' : 'phone');
  add(also.email, 'email');
  add(also.phone, 'phone');
  const hide = (v: string) => pairs.reduce((t, [value, mask]) => t.split(value).join(mask), v);
  const hideOptional = (v: string | null) => (v === null ? null : hide(v));
  return {
    ...rendered,
    to: hideOptional(rendered.to),
    subject: hideOptional(rendered.subject),
    preheader: hideOptional(rendered.preheader),
    html: hideOptional(rendered.html),
    text: hide(rendered.text),
  };
}

/** A message as the admin sees it; what was sent is masked (address and where the body quotes it) unless revealed. */
export function presentMessage(keyring: Keyring, r: Selectable<MessageTable>, reveal: boolean) {
  const stored = r.rendered_enc ? (JSON.parse(decryptField(keyring, r.rendered_enc)) as RenderedMessage) : null;
  const rendered = stored && !reveal ? maskRendered(stored, r.channel) : stored;
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

/**
 * A page of messages. Revealed addresses are audited as a reveal of each person's personal data (`customer.reveal_pii`,
 * one entry per person on the page, with the message ids), as the 360 records its own.
 */
export async function listMessages(db: Db, keyring: Keyring, f: MessageFilter & { reveal: boolean; actor: Actor }) {
  let q = db.selectFrom('messages');
  if (f.customerId) q = q.where('customer_id', '=', f.customerId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.provider) q = q.where('provider', '=', f.provider);
  const [rows, total] = await Promise.all([
    q.selectAll().orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  if (f.reveal) {
    const byCustomer = new Map<number, number[]>();
    for (const r of rows)
      if (r.customer_id !== null && r.rendered_enc !== null)
        byCustomer.set(Number(r.customer_id), [...(byCustomer.get(Number(r.customer_id)) ?? []), Number(r.id)]);
    for (const [customerId, messageIds] of byCustomer)
      await recordAudit(db, {
        actor: f.actor,
        action: 'customer.reveal_pii',
        target: { type: 'customer', id: customerId },
        details: { via: 'messages', messageIds },
      });
  }
  return { items: rows.map((r) => presentMessage(keyring, r, f.reveal)), total: Number(total.n) };
}
