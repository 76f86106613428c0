import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { PermanentFailure, type Provider, sandboxProvider, smtpProvider } from './providers.ts';
import { messagingRulesOf, smsSettingsOf, smtpSettingsOf } from './settings.ts';
import { smsProvider } from './sms-providers.ts';
import { unsubscribeToken } from './unsubscribe.ts';
import { type Claimed, claim } from './claim.ts';

const MAX_ATTEMPTS = 5;

const smsClients = new Map<string, Provider>();

/** The provider of each channel: the configured SMTP server and SMS provider, else the sandbox. */
export async function providersOf(ctx: AppContext): Promise<Record<'email' | 'sms', Provider>> {
  const [smtp, sms] = await Promise.all([smtpSettingsOf(ctx.db), smsSettingsOf(ctx.db)]);
  let smsClient = sandboxProvider;
  if (sms) {
    const id = JSON.stringify(sms);
    smsClient = smsClients.get(id) ?? smsProvider(sms, ctx.keyring);
    smsClients.set(id, smsClient);
  }
  return { email: smtp ? smtpProvider(smtp, ctx.keyring) : sandboxProvider, sms: smsClient };
}

const domainOf = (from: string) => /@([^>\s]+)/.exec(from)?.[1] ?? 'patron.local';

/** Headers of a marketing e-mail: one-click unsubscribe (RFC 8058) and a mailto fallback. */
function headersFor(c: Claimed, unsubscribeUrl: string | null, from: string): Record<string, string> {
  if (c.purpose !== 'marketing' || c.channel !== 'email' || !unsubscribeUrl) return {};
  return {
    'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:unsubscribe@${domainOf(from)}?subject=unsubscribe>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/** The sender and the Message-ID of a message (the SMTP side of its idempotency: one id per outbox row). */
export function envelopeOf(emailFrom: string, id: number) {
  return { from: emailFrom, messageId: `<patron-${id}@${domainOf(emailFrom)}>` };
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
          purpose: c.purpose,
          rendered: c.rendered,
          ...envelopeOf(rules.emailFrom, c.id),
          headers: headersFor(c, unsubscribe, rules.emailFrom),
        });
        await ctx.db
          .updateTable('messages')
          .set({ status: 'sent', provider: provider.name, provider_message_id: sent.providerMessageId, sent_at: now, updated_at: now })
          .where('id', '=', c.id)
          .execute();
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
