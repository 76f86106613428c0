import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { PermanentFailure, type Provider, sandboxProvider, smtpProvider } from './providers.ts';
import { messagingRulesOf, smsSettingsOf, smtpSettingsOf } from './settings.ts';
import { smsProvider } from './sms-providers.ts';
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
function headersFor(c: Claimed, from: string): Record<string, string> {
  if (c.purpose !== 'marketing' || c.channel !== 'email' || !c.unsubscribeUrl) return {};
  return {
    'List-Unsubscribe': `<${c.unsubscribeUrl}>, <mailto:unsubscribe@${domainOf(from)}?subject=unsubscribe>`,
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
 * meanwhile, and each caller resumes when the statement holding its part has committed, with the ids it marked handed
 * over.
 */
function groupedWriter(write: (handed: number[], answered: Outcome[]) => Promise<ReadonlySet<number>>) {
  let gathering: { handed: number[]; answered: Outcome[]; written: Promise<ReadonlySet<number>> } | null = null;
  let previous: Promise<unknown> = Promise.resolve();
  return (handed: number | null, answered: Outcome | null): Promise<ReadonlySet<number>> => {
    if (!gathering) {
      const batch = { handed: [] as number[], answered: [] as Outcome[], written: Promise.resolve<ReadonlySet<number>>(new Set()) };
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
 * Claimed messages waiting for a lane, per channel. Lanes take from the front and wait while it is empty; `ended`: no
 * more will come. The claimer waits (`lowerThan`) until the lanes have taken up what came before its last batch.
 */
class Feed {
  private readonly items: Record<'email' | 'sms', Claimed[]> = { email: [], sms: [] };
  private readonly lanes: Record<'email' | 'sms', Array<() => void>> = { email: [], sms: [] };
  private readonly claimer: Array<() => void> = [];
  private ended = false;

  get size(): number {
    return this.items.email.length + this.items.sms.length;
  }

  /** Adds messages and wakes as many waiting lanes of each channel as it has messages waiting. */
  push(claimed: readonly Claimed[]): void {
    for (const c of claimed) this.items[c.channel].push(c);
    for (const channel of ['email', 'sms'] as const) wake(this.lanes[channel], this.items[channel].length);
  }

  end(): void {
    this.ended = true;
    wakeAll(this.lanes.email);
    wakeAll(this.lanes.sms);
  }

  /** The next message of a channel; null once the feed has ended and has none left. */
  async take(channel: 'email' | 'sms'): Promise<Claimed | null> {
    for (;;) {
      const c = this.items[channel].shift();
      if (c) {
        wakeAll(this.claimer);
        return c;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => this.lanes[channel].push(resolve));
    }
  }

  /** Resolves once fewer than `n` messages wait. */
  async lowerThan(n: number): Promise<void> {
    while (this.size >= n) await new Promise<void>((resolve) => this.claimer.push(resolve));
  }
}

const wake = (waiting: Array<() => void>, n: number) => {
  for (const resolve of waiting.splice(0, n)) resolve();
};
const wakeAll = (waiting: Array<() => void>) => wake(waiting, waiting.length);

/**
 * Hands a channel's claimed messages to its provider in `parallel` lanes, each taking the next message from the feed
 * as soon as it is done with one (no lane waits for the others at the end of a claim): a lane marks its next message
 * handed over — committed together with what its previous message's provider answered — before the provider can
 * accept it, so from there a crash means "maybe sent" (unknown), never "send again", and at most `parallel` messages
 * are left unknown. The lanes' writes are joined into one statement while another is running. Each message ends
 * sent, failed (permanent) or queued again with backoff.
 */
async function deliver(
  ctx: AppContext,
  provider: Provider,
  channel: 'email' | 'sms',
  feed: Feed,
  emailFrom: () => Promise<string>,
): Promise<void> {
  const record = groupedWriter((handed, answered) => recordDeliveries(ctx.db, provider.name, answered, ctx.clock.now(), handed));
  const lane = async () => {
    let answered: Outcome | null = null;
    for (let c = await feed.take(channel); c; c = await feed.take(channel)) {
      const id = c.id;
      const from = await emailFrom();
      // The hand-over is recorded while the provider prepares the message (see Provider.send). A message whose lease
      // ran out meanwhile (put back in line, perhaps claimed by another worker) is not marked: it is not sent here.
      const marked = record(id, answered);
      const handed = marked.then((ids) => {
        if (!ids.has(id)) throw new Error(`message ${id} is no longer this worker's to send`);
      });
      // The provider settles it (not sending); one that failed before waiting for it must not leave it unhandled.
      handed.catch(() => undefined);
      const [outcome, ids] = await Promise.all([handOver(provider, c, from, handed), marked]);
      answered = ids.has(id) ? outcome : null;
    }
    if (answered) await record(null, answered);
  };
  await Promise.all(Array.from({ length: provider.parallel }, lane));
}

async function handOver(provider: Provider, c: Claimed, emailFrom: string, handed: Promise<void>): Promise<Outcome> {
  try {
    const sent = await provider.send(
      {
        id: c.id,
        channel: c.channel,
        purpose: c.purpose,
        rendered: c.rendered,
        ...envelopeOf(emailFrom, c.id),
        headers: { ...headersFor(c, emailFrom), ...c.rendered.headers },
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
 * over, in one statement (one commit). Every part finds its rows by primary key through a joined list: as
 * `id = any(…) and status = 'sending'` the planner also read the whole partial index of messages in `sending` — dead
 * entries of every message sent since the last vacuum — 3–9 ms a statement at M, on the path every send waits for.
 */
async function recordDeliveries(
  db: Db,
  provider: string,
  outcomes: readonly Outcome[],
  now: Date,
  handed: readonly number[],
): Promise<ReadonlySet<number>> {
  const sent = outcomes.flatMap((o) => (o.sent ? [o] : []));
  const failed = outcomes.flatMap((o) => (o.sent ? [] : [o]));
  const marked = await sql<{ id: number }>`with sent as (
      update messages m set status = 'sent', provider = ${provider}, provider_message_id = v.pid, sent_at = ${now}, updated_at = ${now}
      from unnest(${sent.map((o) => o.id)}::bigint[], ${sent.map((o) => o.providerMessageId)}::text[]) v(id, pid) where m.id = v.id
    ), failed as (
      update messages m set status = case when v.permanent then 'failed' else 'queued' end, provider = ${provider}, error = v.error,
        not_before = case when v.permanent then m.not_before else v.retry_at end, updated_at = ${now}
      from unnest(${failed.map((o) => o.id)}::bigint[], ${failed.map((o) => o.permanent)}::boolean[], ${failed.map((o) => o.error)}::text[],
        ${failed.map((o) => new Date(now.getTime() + 2 ** o.attempts * 30_000).toISOString())}::timestamptz[]) v(id, permanent, error, retry_at)
      where m.id = v.id
    ), handed as (
      update messages m set handed_at = ${now}, updated_at = ${now}
      from unnest(${[...handed]}::bigint[]) v(id) where m.id = v.id and m.status = 'sending' and m.handed_at is null
      returning m.id
    )
    select id from handed`.execute(db);
  return new Set(marked.rows.map((r) => Number(r.id)));
}

/**
 * Messages left `sending` past the lease were cut off by a crash. One never handed to its provider goes back in line;
 * one handed over may have been accepted — it is marked `unknown`, never sent again (a delivery receipt may settle it).
 * The sandbox has no outside effect: what it was handed is sent. A lease that runs out while a worker still holds a
 * message costs work, not a second send: only one worker can mark it handed over (see `deliver`).
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
 * a pass's claim runs while the lanes work through the previous pass's messages. Returns how many were decided.
 */
export async function sendDue(ctx: AppContext): Promise<number> {
  await resolveInterrupted(ctx.db, ctx.clock.now(), ctx.config.sendingLeaseMs);
  const providers = await providersOf(ctx);
  // The sender's address is read once there is something to send (most polls find nothing due).
  let rules: ReturnType<typeof messagingRulesOf> | undefined;
  const emailFrom = async () => {
    rules ??= messagingRulesOf(ctx.db);
    return (await rules).emailFrom;
  };
  const feed = new Feed();
  const sending = Promise.all((['email', 'sms'] as const).map((channel) => deliver(ctx, providers[channel], channel, feed, emailFrom)));
  // A failed lane ends the claiming too (its error is thrown below).
  let failed = false;
  const settled = sending.then(
    () => undefined,
    () => {
      failed = true;
    },
  );
  let decided = 0;
  try {
    for (let pass = 0; pass < PASSES; pass++) {
      const next = await claim(ctx, ctx.clock.now(), providers);
      feed.push(next.claimed);
      // Every message decided counts (skipped and rescheduled too): a batch of skips is work done, and more may be due.
      decided += next.due;
      if (next.due === 0) break;
      // The next claim once the lanes have begun on this one (what came before it taken up).
      await Promise.race([feed.lowerThan(next.claimed.length + 1), settled]);
      if (failed) break;
    }
  } finally {
    feed.end();
    await sending;
  }
  return decided;
}
