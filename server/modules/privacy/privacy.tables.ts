import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../db/columns.ts';

/** The tables the privacy module owns (no other module's SQL names them; see the ownership test). */
export type ConsentTable = {
  id: Generated<number>;
  customer_id: number;
  channel: 'sms' | 'email' | 'wechat' | 'phone' | 'push' | 'any';
  purpose: 'marketing' | 'service' | 'analytics' | 'sharing' | 'cross_border' | 'sensitive';
  status: 'granted' | 'withdrawn' | 'denied';
  source: string;
  evidence: string | null;
  actor_label: string;
  recorded_at: Generated<Date>;
};

export type PrivacyRequestTable = {
  id: Generated<number>;
  customer_id: number | null;
  kind: 'export' | 'erase';
  status: 'received' | 'completed' | 'rejected';
  source: string;
  actor_label: string;
  requested_at: Generated<Date>;
  due_at: Generated<Date>;
  completed_at: Timestamp | null;
  result: ColumnType<unknown, string | null, string | null>;
};

export type PrivacyTables = {
  consents: ConsentTable;
  privacy_requests: PrivacyRequestTable;
};
