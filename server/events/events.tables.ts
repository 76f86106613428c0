import type { Generated } from 'kysely';
import type { Timestamp, CreatedAt, Json } from '../db/columns.ts';

/** The tables the domain-events module owns (no other module's SQL names them; see the ownership test). */
export type DomainEventTable = {
  id: Generated<number>;
  key: string;
  type: string;
  version: Generated<number>;
  customer_id: number | null;
  payload: Json;
  occurred_at: Timestamp;
  created_at: CreatedAt;
};

export type EventSubscriptionTable = { subscriber: string; type: string };

export type EventDeliveryTable = {
  event_id: number;
  subscriber: string;
  customer_id: number | null;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  next_at: Generated<Date>;
  error: string | null;
  delivered_at: Timestamp | null;
};

export type DomainEventTables = {
  domain_events: DomainEventTable;
  event_subscriptions: EventSubscriptionTable;
  event_deliveries: EventDeliveryTable;
};
