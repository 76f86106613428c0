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

export type TrackingTables = {
  sources: SourceTable;
};
