import type { DomainEventPayload, DomainEventType } from '../../contracts/events.ts';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';

export type EmitInput<T extends DomainEventType> = {
  type: T;
  /** Unique across all events: the same key twice is the same event, written once. */
  key: string;
  customerId: number | null;
  payload: DomainEventPayload<T>;
  occurredAt: Date;
};

/**
 * Writes a domain event inside the caller's transaction: it exists exactly when the change that caused it is
 * committed. Its deliveries (one per subscriber of the type) are fanned out in the same statement by a trigger.
 */
export async function emit<T extends DomainEventType>(trx: Db, event: EmitInput<T>): Promise<void> {
  await trx
    .insertInto('domain_events')
    .values({
      key: event.key,
      type: event.type,
      customer_id: event.customerId,
      payload: JSON.stringify(event.payload),
      occurred_at: event.occurredAt,
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/**
 * Writes the event only if some subscriber receives its type now: for what happens per message (a delivery receipt,
 * a click) — written by the million when a webhook wants it, not at all when nothing does.
 */
export async function emitWhenWanted<T extends DomainEventType>(trx: Db, event: EmitInput<T>): Promise<void> {
  await sql`
    insert into domain_events (key, type, customer_id, payload, occurred_at)
    select ${event.key}, ${event.type}, ${event.customerId}, ${JSON.stringify(event.payload)}::jsonb, ${event.occurredAt}
    where exists (select 1 from event_subscriptions where type = ${event.type})
    on conflict (key) do nothing`.execute(trx);
}
