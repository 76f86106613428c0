import type { Generated } from 'kysely';
import type { Json, Timestamp } from '../../db/columns.ts';

/** The tables the webhooks module owns (no other module's SQL names them; see the ownership test). */
export type OutboundEndpointTable = {
  id: Generated<number>;
  name: string;
  url: string;
  events: string[];
  filters: Json;
  pii: Generated<boolean>;
  pause_after: Generated<number>;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_until: Timestamp | null;
  status: Generated<'active' | 'paused'>;
  failures: Generated<number>;
  paused_reason: string | null;
  paused_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type OutboundDeliveryTable = {
  id: Generated<number>;
  delivery_id: string;
  endpoint_id: number;
  event_id: number;
  event_type: string;
  body: string;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  next_at: Timestamp | null;
  give_up_at: Timestamp;
  response_status: number | null;
  response: string | null;
  error: string | null;
  replay_of: number | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
};

export type WebhooksTables = { outbound_endpoints: OutboundEndpointTable; outbound_deliveries: OutboundDeliveryTable };
