import { sql } from 'kysely';
import type { RenderedMessage } from '../../../contracts/messaging.ts';
import type { Db, MessageTemplateTable } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { encryptField } from '../../platform/crypto.ts';
import { consentedAmong } from '../privacy/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { type Budget, type Due, decide } from './decide.ts';
import type { Provider } from './providers.ts';
import { recipientsOf } from './recipients.ts';
import { type Localized, type ProviderTemplate, renderMessage, smsParts } from './render.ts';
import { messagingRulesOf } from './settings.ts';
import { trackLinks, trackTextLinks } from './tracking.ts';
import { unsubscribeToken } from './unsubscribe.ts';
import type { Selectable } from 'kysely';

/** An SMS with its links shortened and tracked, its parts counted again. */
function shortenSms(plain: RenderedMessage, o: Parameters<typeof trackTextLinks>[2]): RenderedMessage {
  const t = trackTextLinks(plain.text, plain.providerTemplate?.params ?? null, o);
  if (t.links.length === 0) return plain;
  return {
    ...plain,
    text: t.text,
    sms: smsParts(t.text),
    providerTemplate: plain.providerTemplate && { ...plain.providerTemplate, params: t.params ?? {} },
    links: t.links,
  };
}

/** Messages one claim takes: enough that its dozen statements are a small share of the work per message. */
const BATCH = 500;

type Row = {
  id: number;
  key: string;
  customer_id: number | null;
  channel: 'email' | 'sms';
  purpose: 'transactional' | 'marketing';
  template_key: string;
  variables: Record<string, unknown>;
  language: string | null;
  not_before: Date;
  attempts: number;
};

const headerValue = (v: unknown) => (typeof v === 'string' && /^[^\r\n]{1,998}$/.test(v) ? v : null);

/**
 * The threading headers a message asks for (`variables.email_thread`: a ticket reply continuing the customer's
 * thread), each a single line; null when it asks for none.
 */
function threadHeaders(thread: unknown): Record<string, string> | null {
  if (!thread || typeof thread !== 'object') return null;
  const t = thread as { inReplyTo?: unknown; references?: unknown; replyTo?: unknown };
  const references = Array.isArray(t.references) ? t.references.map(headerValue).filter((x): x is string => x !== null) : [];
  const headers: Record<string, string> = {};
  const inReplyTo = headerValue(t.inReplyTo);
  if (inReplyTo) headers['In-Reply-To'] = inReplyTo;
  if (references.length > 0) headers.References = references.join(' ');
  const replyTo = headerValue(t.replyTo);
  if (replyTo) headers['Reply-To'] = replyTo;
  return Object.keys(headers).length > 0 ? headers : null;
}

export type Claimed = {
  id: number;
  key: string;
  channel: 'email' | 'sms';
  purpose: 'transactional' | 'marketing';
  customerId: number | null;
  template: string;
  rendered: RenderedMessage;
  attempts: number;
  /** The person's unsubscribe page (a marketing message to a customer), for the `List-Unsubscribe` header. */
  unsubscribeUrl: string | null;
};

/** Marketing messages each person was sent in the last day and week, across every channel. */
async function budgetsOf(db: Db, ids: readonly number[], now: Date): Promise<Map<number, Budget>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ customer_id: number; day: number; week: number }>`
    select customer_id, count(*) filter (where sent_at > ${now}::timestamptz - interval '1 day')::int as day, count(*)::int as week
    from messages where customer_id = any(${[...ids]}::bigint[]) and purpose = 'marketing' and sent_at > ${now}::timestamptz - interval '7 days'
    group by customer_id`.execute(db);
  return new Map(rows.rows.map((r) => [Number(r.customer_id), { day: r.day, week: r.week }]));
}

async function suppressedAmong(db: Db, channel: 'email' | 'sms', bidx: readonly string[]): Promise<Set<string>> {
  if (bidx.length === 0) return new Set();
  const rows = await db
    .selectFrom('suppressions')
    .select('address_bidx')
    .where('channel', '=', channel)
    .where('address_bidx', 'in', [...bidx])
    .execute();
  return new Set(rows.map((r) => r.address_bidx));
}

type Outcome =
  | { id: number; kind: 'skip'; reason: string }
  | { id: number; kind: 'reschedule'; at: Date }
  | { id: number; kind: 'failed'; error: string }
  | { id: number; kind: 'sending'; provider: string; language: string; renderedEnc: string; attempts: number; parts: number | null };

/** What a claim decided, written in one statement per kind rather than one per message. */
async function recordOutcomes(trx: Db, outcomes: readonly Outcome[], now: Date): Promise<void> {
  const of = <K extends Outcome['kind']>(kind: K) => outcomes.filter((o): o is Extract<Outcome, { kind: K }> => o.kind === kind);
  const skips = of('skip');
  if (skips.length > 0)
    await sql`update messages m set status = 'skipped', skip_reason = v.reason, updated_at = ${now}
      from unnest(${skips.map((o) => o.id)}::bigint[], ${skips.map((o) => o.reason)}::text[]) v(id, reason) where m.id = v.id`.execute(trx);
  const later = of('reschedule');
  if (later.length > 0)
    await sql`update messages m set not_before = v.at, rescheduled_from = coalesce(m.rescheduled_from, m.not_before), updated_at = ${now}
      from unnest(${later.map((o) => o.id)}::bigint[], ${later.map((o) => o.at)}::timestamptz[]) v(id, at) where m.id = v.id`.execute(trx);
  const failed = of('failed');
  if (failed.length > 0)
    await sql`update messages m set status = 'failed', error = v.error, updated_at = ${now}
      from unnest(${failed.map((o) => o.id)}::bigint[], ${failed.map((o) => o.error)}::text[]) v(id, error) where m.id = v.id`.execute(trx);
  const sending = of('sending');
  if (sending.length > 0)
    await sql`update messages m set status = 'sending', provider = v.provider, language = v.language, rendered_enc = v.enc, attempts = v.attempts,
        parts = v.parts, handed_at = null, updated_at = ${now}
      from unnest(${sending.map((o) => o.id)}::bigint[], ${sending.map((o) => o.provider)}::text[], ${sending.map((o) => o.language)}::text[],
        ${sending.map((o) => o.renderedEnc)}::text[], ${sending.map((o) => o.attempts)}::int[], ${sending.map((o) => o.parts)}::int[])
        v(id, provider, language, enc, attempts, parts)
      where m.id = v.id`.execute(trx);
}

/**
 * Takes due messages no other worker holds (SKIP LOCKED), decides each (see `decide`), renders those that go and
 * marks them `sending` — committed before any provider is called, so a crash afterwards leaves `sending`, which
 * recovery resolves instead of sending twice.
 */
export async function claim(
  ctx: AppContext,
  now: Date,
  providers: Record<'email' | 'sms', Provider>,
): Promise<{ due: number; claimed: Claimed[] }> {
  const [rules, store] = await Promise.all([messagingRulesOf(ctx.db), storeSettingsOf(ctx)]);
  return ctx.db.transaction().execute(async (trx) => {
    const due = (
      await sql<Row>`select id, key, customer_id, channel, purpose, template_key, variables, language, not_before, attempts from messages
        where status = 'queued' and not_before <= ${now} order by not_before, id limit ${BATCH} for update skip locked`.execute(trx)
    ).rows;
    if (due.length === 0) return { due: 0, claimed: [] };
    const ids = [...new Set(due.flatMap((m) => (m.customer_id === null ? [] : [Number(m.customer_id)])))];
    const [people, templates, budgets, emailConsent, smsConsent] = await Promise.all([
      recipientsOf(trx, ctx, ids),
      trx
        .selectFrom('message_templates')
        .selectAll()
        .where('key', 'in', [...new Set(due.map((m) => m.template_key))])
        .execute(),
      budgetsOf(trx, ids, now),
      consentedAmong(trx, ids, 'email', 'marketing'),
      consentedAmong(trx, ids, 'sms', 'marketing'),
    ]);
    const byKey = new Map<string, Selectable<MessageTemplateTable>>(templates.map((t) => [t.key, t]));
    const suppressed = {
      email: await suppressedAmong(
        trx,
        'email',
        [...people.values()].flatMap((p) => (p.emailBidx ? [p.emailBidx] : [])),
      ),
      sms: await suppressedAmong(
        trx,
        'sms',
        [...people.values()].flatMap((p) => (p.phoneBidx ? [p.phoneBidx] : [])),
      ),
    };
    const claimed: Claimed[] = [];
    const outcomes: Outcome[] = [];
    for (const row of due) {
      const m: Due = {
        id: Number(row.id),
        customerId: row.customer_id === null ? null : Number(row.customer_id),
        channel: row.channel,
        purpose: row.purpose,
        notBefore: row.not_before,
      };
      const r = m.customerId === null ? undefined : people.get(m.customerId);
      const t = byKey.get(row.template_key);
      const budget = (m.customerId !== null && budgets.get(m.customerId)) || { day: 0, week: 0 };
      const decision = decide({
        message: m,
        recipient: r,
        templateFound: t !== undefined && t.channel === m.channel,
        quiet: t?.quiet_hours ?? true,
        consented: m.customerId !== null && (m.channel === 'email' ? emailConsent : smsConsent).has(m.customerId),
        suppressed:
          r !== undefined &&
          Boolean(
            m.channel === 'email' ? r.emailBidx && suppressed.email.has(r.emailBidx) : r.phoneBidx && suppressed.sms.has(r.phoneBidx),
          ),
        budget,
        rules,
        storeTimeZone: store.timeZone,
        now,
      });
      if (decision.kind !== 'send') {
        outcomes.push(
          decision.kind === 'skip'
            ? { id: m.id, kind: 'skip', reason: decision.reason }
            : { id: m.id, kind: 'reschedule', at: decision.at },
        );
        continue;
      }
      const template = t as Selectable<MessageTemplateTable>;
      const language =
        (row.language === 'en' || row.language === 'zh-CN' ? row.language : null) ??
        r?.language ??
        (store.timeZone.startsWith('Asia/') ? 'zh-CN' : 'en');
      const unsubscribe =
        m.purpose === 'marketing' && m.customerId !== null
          ? `${ctx.config.publicUrl}/u/${unsubscribeToken(ctx.keyring, { customerId: m.customerId, channel: m.channel })}`
          : null;
      try {
        const plain = await renderMessage(
          {
            channel: template.channel,
            purpose: template.purpose,
            subject: template.subject as Localized | null,
            preheader: template.preheader as Localized | null,
            body: template.body as Localized,
            providerTemplate: template.provider_template as ProviderTemplate | null,
          },
          { ...r?.scope, store: { name: store.name }, unsubscribe_url: unsubscribe ?? '', ...row.variables },
          {
            language,
            timeZone: r?.timeZone ?? store.timeZone,
            currency: store.currency,
            smsSignature: rules.smsSignature,
            marketingSmsSuffix: rules.marketingSmsSuffix,
            to: decision.to,
          },
        );
        // Links become tracked short links (e-mail: and an open pixel; the unsubscribe link stays as it is).
        const rendered = plain.html
          ? {
              ...plain,
              ...trackLinks(plain.html, {
                keyring: ctx.keyring,
                messageId: m.id,
                publicUrl: ctx.config.publicUrl,
                keep: unsubscribe ? [unsubscribe] : [],
              }),
            }
          : m.channel === 'sms'
            ? shortenSms(plain, { keyring: ctx.keyring, messageId: m.id, publicUrl: ctx.config.publicUrl })
            : plain;
        if (m.channel === 'email') {
          const headers = threadHeaders(row.variables.email_thread);
          if (headers) rendered.headers = headers;
        }
        outcomes.push({
          id: m.id,
          kind: 'sending',
          provider: providers[m.channel].name,
          language,
          renderedEnc: encryptField(ctx.keyring, JSON.stringify(rendered)),
          attempts: row.attempts + 1,
          parts: rendered.sms?.parts ?? null,
        });
        if (m.customerId !== null)
          budgets.set(m.customerId, {
            day: budget.day + (m.purpose === 'marketing' ? 1 : 0),
            week: budget.week + (m.purpose === 'marketing' ? 1 : 0),
          });
        claimed.push({
          id: m.id,
          key: row.key,
          channel: m.channel,
          purpose: m.purpose,
          customerId: m.customerId,
          template: row.template_key,
          rendered,
          attempts: row.attempts + 1,
          unsubscribeUrl: unsubscribe,
        });
      } catch (err) {
        outcomes.push({ id: m.id, kind: 'failed', error: (err as Error).message.slice(0, 1000) });
      }
    }
    await recordOutcomes(trx, outcomes, now);
    return { due: due.length, claimed };
  });
}
