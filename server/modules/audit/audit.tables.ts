import type { Generated } from 'kysely';
import type { Json } from '../../db/columns.ts';

/** The tables the audit module owns (no other module's SQL names them; see the ownership test). */
export type AuditLogTable = {
  id: Generated<number>;
  at: Generated<Date>;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: number | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  before: Json | null;
  after: Json | null;
  details: Json | null;
};

export type AuditTables = {
  audit_log: AuditLogTable;
};
