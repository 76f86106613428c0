import type { Generated } from 'kysely';
import type { Timestamp, CreatedAt } from '../../db/columns.ts';

/** The tables the tracking module owns (no other module's SQL names them; see the ownership test). */
export type SourceTable = {
  id: Generated<number>;
  name: string;
  channel_id: number | null;
  key_prefix: string;
  key_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
};

/** A batch answered 200 and not yet stored as events (see the migration 0047). */
export type TrackingInboxTable = {
  id: Generated<number>;
  source_id: number;
  received_at: Timestamp;
  messages_enc: string;
  message_count: number;
  attempts: Generated<number>;
  retry_at: Timestamp | null;
  error: string | null;
};

export type TrackingTables = {
  sources: SourceTable;
  tracking_inbox: TrackingInboxTable;
};
