import { sql } from 'kysely';
import type { RenderedMessage } from '../../../contracts/messaging.ts';
import type { Db, MessageTemplateTable } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { encryptField } from '../../platform/crypto.ts';
import { consentedAmong } from '../privacy/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { type Budget, type Due, decide } from './decide.ts';
import { PermanentFailure, type Provider, sandboxProvider, smtpProvider } from './providers.ts';
import { recipientsOf } from './recipients.ts';
import { type Localized, type ProviderTemplate, renderMessage } from './render.ts';
import { messagingRulesOf, smsSettingsOf, smtpSettingsOf } from './settings.ts';
import { smsProvider } from './sms-providers.ts';
import { recordMessageEvents } from './timeline.ts';
import { trackLinks } from './tracking.ts';
import { unsubscribeToken } from './unsubscribe.ts';
import type { Selectable } from 'kysely';

const BATCH = 50;
const MAX_ATTEMPTS = 5;

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
type Claimed = {
  id: number;
  key: string;
  channel: 'email' | 'sms';
  purpose: 'transactional' | 'marketing';
  customerId: number | null;
  template: string;
  rendered: RenderedMessage;
  attempts: number;
};

const smsClients = new Map<string, Provider>();

/** The provider of each channel: the configured SMTP server and SMS provider, else the sandbox. */
async function providersOf(ctx: AppContext): Promise<Record<'email' | 'sms', Provider>> {
  const [smtp, sms] = await Promise.all([smtpSettingsOf(ctx.db), smsSettingsOf(ctx.db)]);
  let smsClient = sandboxProvider;
  if (sms) {
    const id = JSON.stringify(sms);
    smsClient = smsClients.get(id) ?? smsProvider(sms, ctx.keyring);
    smsClients.set(id, smsClient);
  }
  return { email: smtp ? smtpProvider(smtp, ctx.keyring) : sandboxProvider, sms: smsClient };
}

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

/**
 * Takes due messages no other worker holds (SKIP LOCKED), decides each (see `decide`), renders those that go and
 * marks them `sending` — committed before any provider is called, so a crash afterwards leaves `sending`, which
 * recovery resolves instead of sending twice.
 */
async function claim(
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
      recipientsOf(trx, ctx.keyring, ids),
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
      if (decision.kind === 'skip') {
        await trx
          .updateTable('messages')
          .set({ status: 'skipped', skip_reason: decision.reason, updated_at: now })
          .where('id', '=', m.id)
          .execute();
        continue;
      }
      if (decision.kind === 'reschedule') {
        await sql`update messages set not_before = ${decision.at}, rescheduled_from = coalesce(rescheduled_from, not_before), updated_at = ${now} where id = ${m.id}`.execute(
          trx,
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
        // E-mail links become tracked short links and an open pixel is added (the unsubscribe link stays as it is).
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
          : plain;
        await trx
          .updateTable('messages')
          .set({
            status: 'sending',
            provider: providers[m.channel].name,
            language,
            rendered_enc: encryptField(ctx.keyring, JSON.stringify(rendered)),
            attempts: row.attempts + 1,
            updated_at: now,
          })
          .where('id', '=', m.id)
          .execute();
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
        });
      } catch (err) {
        await trx
          .updateTable('messages')
          .set({ status: 'failed', error: (err as Error).message.slice(0, 1000), updated_at: now })
          .where('id', '=', m.id)
          .execute();
      }
    }
    return { due: due.length, claimed };
  });
}

/** Headers of a marketing e-mail: one-click unsubscribe (RFC 8058) and a mailto fallback. */
function headersFor(c: Claimed, unsubscribeUrl: string | null, from: string): Record<string, string> {
  if (c.purpose !== 'marketing' || c.channel !== 'email' || !unsubscribeUrl) return {};
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'patron.local';
  return {
    'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:unsubscribe@${domain}?subject=unsubscribe>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/** Hands claimed messages to their providers; each ends sent, failed (permanent) or queued again with backoff. */
async function deliver(
  ctx: AppContext,
  claimed: readonly Claimed[],
  providers: Record<'email' | 'sms', Provider>,
  now: Date,
): Promise<void> {
  if (claimed.length === 0) return;
  const rules = await messagingRulesOf(ctx.db);
  const domain = /@([^>\s]+)/.exec(rules.emailFrom)?.[1] ?? 'patron.local';
  await inParallel(
    claimed,
    (c) => providers[c.channel].parallel,
    async (c) => {
      const provider = providers[c.channel];
      const unsubscribe =
        c.customerId !== null
          ? `${ctx.config.publicUrl}/u/${unsubscribeToken(ctx.keyring, { customerId: c.customerId, channel: c.channel })}`
          : null;
      try {
        // Committed before the provider sees it: from here a crash means "maybe sent" (unknown), never "send again".
        await ctx.db.updateTable('messages').set({ handed_at: now }).where('id', '=', c.id).execute();
        const sent = await provider.send({
          id: c.id,
          channel: c.channel,
          rendered: c.rendered,
          from: rules.emailFrom,
          headers: headersFor(c, unsubscribe, rules.emailFrom),
          messageId: `<patron-${c.id}@${domain}>`,
        });
        await ctx.db.transaction().execute(async (trx) => {
          await trx
            .updateTable('messages')
            .set({ status: 'sent', provider: provider.name, provider_message_id: sent.providerMessageId, sent_at: now, updated_at: now })
            .where('id', '=', c.id)
            .execute();
          if (c.customerId !== null) {
            const properties = { channel: c.channel, purpose: c.purpose, template: c.template };
            await recordMessageEvents(trx, [{ customerId: c.customerId, kind: 'sent', messageId: c.id, properties, at: now, once: true }]);
          }
        });
      } catch (err) {
        const permanent = err instanceof PermanentFailure || c.attempts >= MAX_ATTEMPTS;
        const retryAt = new Date(now.getTime() + 2 ** c.attempts * 30_000);
        await ctx.db
          .updateTable('messages')
          .set({
            status: permanent ? 'failed' : 'queued',
            provider: provider.name,
            error: (err as Error).message.slice(0, 1000),
            not_before: permanent ? undefined : retryAt,
            updated_at: now,
          })
          .where('id', '=', c.id)
          .execute();
      }
    },
  );
}

/** Runs `work` over the items with at most `limit(item)` of one kind running at once (items grouped by their limit). */
async function inParallel<T>(items: readonly T[], limit: (item: T) => number, work: (item: T) => Promise<void>): Promise<void> {
  const groups = new Map<number, T[]>();
  for (const item of items) groups.set(limit(item), [...(groups.get(limit(item)) ?? []), item]);
  await Promise.all(
    [...groups].map(async ([n, group]) => {
      let next = 0;
      const lane = async () => {
        while (next < group.length) await work(group[next++]);
      };
      await Promise.all(Array.from({ length: Math.min(n, group.length) }, lane));
    }),
  );
}

/**
 * Messages left `sending` past the lease were cut off by a crash. One never handed to its provider goes back in line;
 * one handed over may have been accepted — it is marked `unknown`, never sent again (a delivery receipt may settle it).
 * The sandbox has no outside effect: what it was handed is sent. The lease must outlast a worker's slowest batch.
 */
export async function resolveInterrupted(db: Db, now: Date, leaseMs: number): Promise<number> {
  const cutoff = new Date(now.getTime() - leaseMs);
  const r = await sql`update messages set
      status = case when handed_at is null then 'queued' when provider = 'sandbox' then 'sent' else 'unknown' end,
      sent_at = case when handed_at is not null and provider = 'sandbox' then ${now}::timestamptz end,
      error = case when handed_at is not null and provider <> 'sandbox' then 'interrupted while sending: the provider may or may not have accepted it' end,
      updated_at = ${now}
    where status = 'sending' and updated_at < ${cutoff}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** One pass of the sender (a poller in every working process): due messages claimed, decided, rendered and sent; returns how many were decided. */
export async function sendDue(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  await resolveInterrupted(ctx.db, now, ctx.config.sendingLeaseMs);
  const providers = await providersOf(ctx);
  const { due, claimed } = await claim(ctx, now, providers);
  await deliver(ctx, claimed, providers, now);
  // Every message decided counts (skipped and rescheduled too): a batch of skips is work done, and more may be due.
  return due;
}
