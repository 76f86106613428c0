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

/** A provider's answer to one message of a chunk. */
type Outcome =
  | { id: number; sent: true; providerMessageId: string }
  | { id: number; sent: false; permanent: boolean; error: string; attempts: number };

/**
 * Writes asked for by several lanes at once, joined: while one statement runs, the next collects everything asked for
 * meanwhile, and each caller resumes when the statement holding its part has committed.
 */
function groupedWriter(write: (handed: number[], answered: Outcome[]) => Promise<void>) {
  let gathering: { handed: number[]; answered: Outcome[]; written: Promise<void> } | null = null;
  let previous: Promise<void> = Promise.resolve();
  return (handed: number | null, answered: Outcome | null): Promise<void> => {
    if (!gathering) {
      const batch = { handed: [] as number[], answered: [] as Outcome[], written: Promise.resolve() };
      batch.written = previous.then(() => {
        gathering = null;
        return write(batch.handed, batch.answered);
      });
      previous = batch.written.catch(() => undefined);
      gathering = batch;
    }
    if (handed !== null) gathering.handed.push(handed);
    if (answered) gathering.answered.push(answered);
    return gathering.written;
  };
}

/**
 * Hands claimed messages to their providers, per provider in `parallel` lanes: a lane marks its next message handed
 * over — committed together with what its previous message's provider answered — before the provider can accept it, so from
 * there a crash means "maybe sent" (unknown), never "send again", and at most `parallel` messages are left unknown.
 * The lanes' writes are joined into one statement while another is running. Each message ends sent, failed
 * (permanent) or queued again with backoff.
 */
async function deliver(
  ctx: AppContext,
  claimed: readonly Claimed[],
  providers: Record<'email' | 'sms', Provider>,
  now: Date,
): Promise<void> {
  if (claimed.length === 0) return;
  const rules = await messagingRulesOf(ctx.db);
  await Promise.all(
    (['email', 'sms'] as const).map(async (channel) => {
      const provider = providers[channel];
      const mine = claimed.filter((c) => c.channel === channel);
      const record = groupedWriter((handed, answered) => recordDeliveries(ctx.db, provider.name, answered, now, handed));
      let next = 0;
      const lane = async () => {
        let answered: Outcome | null = null;
        while (next < mine.length) {
          const c = mine[next++];
          // The hand-over is recorded while the provider prepares the message (see Provider.send).
          const handed = record(c.id, answered);
          [answered] = await Promise.all([handOver(ctx, provider, c, rules.emailFrom, handed), handed]);
        }
        if (answered) await record(null, answered);
      };
      await Promise.all(Array.from({ length: Math.min(provider.parallel, mine.length) }, lane));
    }),
  );
}

async function handOver(ctx: AppContext, provider: Provider, c: Claimed, emailFrom: string, handed: Promise<void>): Promise<Outcome> {
  const unsubscribe =
    c.customerId !== null
      ? `${ctx.config.publicUrl}/u/${unsubscribeToken(ctx.keyring, { customerId: c.customerId, channel: c.channel })}`
      : null;
  try {
    const sent = await provider.send(
      {
        id: c.id,
        channel: c.channel,
        purpose: c.purpose,
        rendered: c.rendered,
        ...envelopeOf(emailFrom, c.id),
        headers: { ...headersFor(c, unsubscribe, emailFrom), ...c.rendered.headers },
      },
      handed,
    );
    return { id: c.id, sent: true, providerMessageId: sent.providerMessageId };
  } catch (err) {
    return {
      id: c.id,
      sent: false,
      permanent: err instanceof PermanentFailure || c.attempts >= MAX_ATTEMPTS,
      error: (err as Error).message.slice(0, 1000),
      attempts: c.attempts,
    };
  }
}

/**
 * What providers answered — sent; failed for good; queued again with backoff — and the messages about to be handed
 * over, in one statement (one commit).
 */
async function recordDeliveries(
  db: Db,
  provider: string,
  outcomes: readonly Outcome[],
  now: Date,
  handed: readonly number[],
): Promise<void> {
  const sent = outcomes.flatMap((o) => (o.sent ? [o] : []));
  const failed = outcomes.flatMap((o) => (o.sent ? [] : [o]));
  await sql`with sent as (
      update messages m set status = 'sent', provider = ${provider}, provider_message_id = v.pid, sent_at = ${now}, updated_at = ${now}
      from unnest(${sent.map((o) => o.id)}::bigint[], ${sent.map((o) => o.providerMessageId)}::text[]) v(id, pid) where m.id = v.id
    ), failed as (
      update messages m set status = case when v.permanent then 'failed' else 'queued' end, provider = ${provider}, error = v.error,
        not_before = case when v.permanent then m.not_before else v.retry_at end, updated_at = ${now}
      from unnest(${failed.map((o) => o.id)}::bigint[], ${failed.map((o) => o.permanent)}::boolean[], ${failed.map((o) => o.error)}::text[],
        ${failed.map((o) => new Date(now.getTime() + 2 ** o.attempts * 30_000).toISOString())}::timestamptz[]) v(id, permanent, error, retry_at)
      where m.id = v.id
    ), handed as (
      update messages set handed_at = ${now} where id = any(${[...handed]}::bigint[])
    )
    select 1`.execute(db);
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

/** Passes one call makes before it returns to its poller (which calls again at once while there is work). */
const PASSES = 8;

/**
 * The sender (a poller in every working process): due messages claimed, decided, rendered and sent, pass after pass;
 * a pass's claim runs while the previous pass's messages are with their providers. Returns how many were decided.
 */
export async function sendDue(ctx: AppContext): Promise<number> {
  await resolveInterrupted(ctx.db, ctx.clock.now(), ctx.config.sendingLeaseMs);
  const providers = await providersOf(ctx);
  let decided = 0;
  let sending: Promise<void> = Promise.resolve();
  try {
    for (let pass = 0; pass < PASSES; pass++) {
      const now = ctx.clock.now();
      const next = await claim(ctx, now, providers);
      await sending;
      sending = deliver(ctx, next.claimed, providers, now);
      // Every message decided counts (skipped and rescheduled too): a batch of skips is work done, and more may be due.
      decided += next.due;
      if (next.due === 0) break;
    }
  } finally {
    await sending;
  }
  return decided;
}
