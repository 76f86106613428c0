import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { WEBHOOK_EVENTS, WEBHOOK_PAYLOAD_VERSION, type webhookFilter } from '../../../contracts/webhooks.ts';
import type { z } from 'zod';
import type { Db } from '../../db/index.ts';
import type { DeliveredEvent, EventSubscription } from '../../events/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { recordAudit } from '../audit/index.ts';
import { presentPii } from '../customers/index.ts';
import { SUBSCRIBER } from './endpoints.ts';

/** A delivery is tried for this long after the event, then given up as failed (replayable). */
export const RETRY_WINDOW_MS = 24 * 3_600_000;

type Filter = z.infer<typeof webhookFilter>;

/** Every filter holds: the event's data field, as text, is one of the filter's values. */
export const matches = (filters: readonly Filter[], data: Record<string, unknown>) =>
  filters.every((f) => data[f.field] !== undefined && data[f.field] !== null && f.in.includes(String(data[f.field])));

type Person = { name: string | null; email_enc: string | null; phone_enc: string | null } | null;

/** The event's person, read once for all the endpoints that receive the event (null: none, or erased). */
async function personOf(db: Db, customerId: number | null): Promise<Person> {
  if (customerId === null) return null;
  const c = await db
    .selectFrom('customers')
    .select(['name', 'email_enc', 'phone_enc', 'erased_at'])
    .where('id', '=', customerId)
    .executeTakeFirst();
  return c && !c.erased_at ? c : null;
}

/** The person as one endpoint sees them: masked, or in clear for an endpoint granted personal data. */
function presentPerson(keyring: Keyring, customerId: number | null, c: Person, clear: boolean) {
  if (customerId === null) return null;
  if (!c) return { id: customerId, name: null, email: null, phone: null };
  return {
    id: customerId,
    name: c.name === null ? null : clear ? c.name : `${[...c.name][0]}*`,
    email: presentPii(keyring, 'email', c.email_enc, clear),
    phone: presentPii(keyring, 'phone', c.phone_enc, clear),
  };
}

/** The body an endpoint receives (its delivery id changes on a replay; `id` is the event's, stable). */
export const webhookBody = (
  event: Pick<DeliveredEvent, 'id' | 'type' | 'occurredAt'>,
  deliveryId: string,
  customer: unknown,
  data: unknown,
) =>
  JSON.stringify({
    id: String(event.id),
    deliveryId,
    type: event.type,
    version: WEBHOOK_PAYLOAD_VERSION,
    occurredAt: event.occurredAt.toISOString(),
    customer,
    data,
  });

/**
 * Domain events become deliveries: one per endpoint that wants the type and whose filters the data passes, written
 * in the event's delivery transaction (so each exactly once), sent by the delivery poller. Personal data in clear is
 * audited per delivery.
 */
export const webhookFanOut: EventSubscription = {
  name: SUBSCRIBER,
  types: WEBHOOK_EVENTS,
  dynamic: true,
  handle: async (event, ctx) => {
    const endpoints = await ctx.db
      .selectFrom('outbound_endpoints')
      .select(['id', 'filters', 'pii'])
      .where(sql<boolean>`${event.type} = any(events)`)
      .execute();
    const data = event.payload as Record<string, unknown>;
    const now = ctx.clock.now();
    const wanted = endpoints.filter((x) => matches(x.filters as Filter[], data));
    const person = wanted.length > 0 ? await personOf(ctx.db, event.customerId) : null;
    for (const e of wanted) {
      const deliveryId = randomUUID();
      const customer = presentPerson(ctx.keyring, event.customerId, person, e.pii);
      const inserted = await ctx.db
        .insertInto('outbound_deliveries')
        .values({
          delivery_id: deliveryId,
          endpoint_id: e.id,
          event_id: event.id,
          event_type: event.type,
          body: webhookBody(event, deliveryId, customer, data),
          next_at: now,
          give_up_at: new Date(now.getTime() + RETRY_WINDOW_MS),
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).where('replay_of', 'is', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted && e.pii && event.customerId !== null)
        await recordAudit(ctx.db, {
          actor: { type: 'system', id: null, label: `webhook ${e.id}`, ip: null },
          action: 'webhook.pii_sent',
          target: { type: 'customer', id: event.customerId },
          details: { endpointId: Number(e.id), eventId: event.id, type: event.type },
        });
    }
  },
};
