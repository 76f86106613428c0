import type { Generated } from 'kysely';
import type { Timestamp, Json } from '../../db/columns.ts';

/** The tables the events module owns (no other module's SQL names them; see the ownership test). */
export type EventTable = {
  id: Generated<number>;
  customer_id: number | null;
  anonymous_id: string | null;
  type: 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias';
  name: string;
  properties: Json;
  occurred_at: Timestamp;
  received_at: Timestamp;
  message_id: string | null;
  source_id: Generated<number | null>;
  import_id: Generated<number | null>;
};

export type EventsTables = {
  events: EventTable;
};
