import type { DomainEventPayload, DomainEventType } from '../../contracts/events.ts';
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
