import { sql } from 'kysely';
import type { DomainEventType } from '../../contracts/events.ts';
import { watchStatistics } from '../db/index.ts';
import type { AppContext } from '../platform/context.ts';
import type { DeliveredEvent, EventSubscription } from './subscription.ts';

/** Deliveries one pass takes per subscriber (each worker its own, SKIP LOCKED). */
const BATCH = 100;
const MAX_ATTEMPTS = 8;

/** Deliveries come in bursts (a segment's 100,000 entrants): a slow claim has the table's statistics taken again. */
const deliveryStatistics = watchStatistics('event_deliveries');

type Due = {
  event_id: string | number;
  subscriber: string;
  attempts: number;
  key: string;
  type: DomainEventType;
  version: number;
  customer_id: string | number | null;
  payload: unknown;
  occurred_at: Date;
};

/** Seconds before the n-th retry: 2, 8, 32 … capped at an hour. */
export const retryDelaySeconds = (attempts: number): number => Math.min(3600, 2 * 4 ** (attempts - 1));

/**
 * One pass of the dispatcher: takes due deliveries no other worker holds, each the oldest pending one of its
 * subscriber for its customer (so a customer's events reach a subscriber in order), and hands them to their
 * subscribers inside this transaction under savepoints — all of a subscriber's at once when it takes a batch, else
 * one by one. A subscriber that throws is rolled back alone and retried later with backoff; after its last attempt the
 * delivery is marked failed (shown in Settings → Jobs, redeliverable). The deliveries done are marked in one statement.
 */
export async function dispatchEvents(ctx: AppContext, subscriptions: readonly EventSubscription[]): Promise<number> {
  if (subscriptions.length === 0) return 0;
  const byName = new Map(subscriptions.map((s) => [s.name, s]));
  let claimMs = 0;
  const taken = await ctx.db.transaction().execute(async (trx) => {
    const claimStart = performance.now();
    // Each subscriber's due deliveries from its own part of the index, so one's backlog does not slow another's.
    const due = await sql<Due>`
      select d.event_id, d.subscriber, d.attempts, e.key, e.type, e.version, e.customer_id, e.payload, e.occurred_at
      from unnest(${[...byName.keys()]}::text[]) s(name)
      cross join lateral (
        select d.event_id, d.subscriber, d.attempts from event_deliveries d
        where d.subscriber = s.name and d.status = 'pending' and d.next_at <= now()
          and (d.customer_id is null or not exists (
            select 1 from event_deliveries p
            where p.subscriber = d.subscriber and p.customer_id = d.customer_id and p.status = 'pending' and p.event_id < d.event_id))
        order by d.next_at, d.event_id
        limit ${BATCH}
        for update of d skip locked) d
      join domain_events e on e.id = d.event_id
      order by d.event_id`.execute(trx);
    claimMs = performance.now() - claimStart;
    const events = due.rows.map((row) => ({
      subscriber: row.subscriber,
      attempts: row.attempts,
      event: {
        id: Number(row.event_id),
        key: row.key,
        type: row.type,
        version: row.version,
        customerId: row.customer_id === null ? null : Number(row.customer_id),
        payload: row.payload as DeliveredEvent['payload'],
        occurredAt: row.occurred_at,
      } satisfies DeliveredEvent,
    }));
    const scoped = { ...ctx, db: trx };
    const delivered: { subscriber: string; eventId: number }[] = [];
    for (const [name, sub] of byName) {
      const mine = events.filter((e) => e.subscriber === name);
      if (mine.length === 0) continue;
      // A subscriber that takes a batch gets its deliveries at once; if that fails, one at a time below.
      if (sub.handleBatch && mine.length > 1) {
        await sql`savepoint delivery`.execute(trx);
        try {
          await sub.handleBatch(
            mine.map((e) => e.event),
            scoped,
          );
          await sql`release savepoint delivery`.execute(trx);
          delivered.push(...mine.map((e) => ({ subscriber: name, eventId: e.event.id })));
          continue;
        } catch (err) {
          await sql`rollback to savepoint delivery`.execute(trx);
          ctx.log.warn({ subscriber: name, events: mine.length, err }, 'event batch failed; delivering one by one');
        }
      }
      for (const { event, attempts: before } of mine) {
        await sql`savepoint delivery`.execute(trx);
        try {
          await sub.handle(event, scoped);
          await sql`release savepoint delivery`.execute(trx);
          delivered.push({ subscriber: name, eventId: event.id });
        } catch (err) {
          await sql`rollback to savepoint delivery`.execute(trx);
          const attempts = before + 1;
          const failed = attempts >= (sub.maxAttempts ?? MAX_ATTEMPTS);
          const message = err instanceof Error ? err.message.slice(0, 2000) : String(err).slice(0, 2000);
          ctx.log.warn({ subscriber: name, eventId: event.id, type: event.type, attempts, failed, err }, 'event delivery failed');
          await sql`update event_deliveries set attempts = ${attempts}, error = ${message},
            status = ${failed ? 'failed' : 'pending'}, next_at = now() + make_interval(secs => ${retryDelaySeconds(attempts)})
            where subscriber = ${name} and event_id = ${event.id}`.execute(trx);
        }
      }
    }
    if (delivered.length > 0)
      await sql`update event_deliveries d set status = 'delivered', attempts = d.attempts + 1, delivered_at = now(), error = null
        from unnest(${delivered.map((d) => d.subscriber)}::text[], ${delivered.map((d) => d.eventId)}::bigint[]) v(subscriber, event_id)
        where d.subscriber = v.subscriber and d.event_id = v.event_id`.execute(trx);
    return due.rows.length;
  });
  if (await deliveryStatistics(ctx.db, claimMs))
    ctx.log.info({ claimMs: Math.round(claimMs) }, 'slow delivery claim: event_deliveries analyzed');
  return taken;
}
