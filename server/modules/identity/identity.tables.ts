import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../db/columns.ts';

/** The tables the identity module owns: who is who (identifiers, tombstones), merges, duplicates, quarantined values. */
export type CustomerMergeTable = {
  id: Generated<number>;
  survivor_id: number;
  merged_id: number;
  fields: ColumnType<Record<string, string>, string, string>;
  survivor_before: ColumnType<Record<string, unknown>, string, string>;
  moved: ColumnType<Record<string, unknown>, string, string>;
  actor_label: string;
  created_at: Generated<Date>;
  undone_at: Timestamp | null;
};

export type IdentityKind = 'email' | 'phone' | 'external' | 'anonymous';

export type CustomerIdentityTable = {
  id: Generated<number>;
  customer_id: number;
  kind: IdentityKind;
  channel: Generated<string>;
  key: string;
  value_enc: string | null;
  masked: Generated<boolean>;
  source: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  /** Blind index of a phone's last four digits (phones only). */
  tail_bidx: Generated<string | null>;
};

export type IdentityTombstoneTable = {
  kind: string;
  channel: string;
  key: string;
  request_id: number | null;
  erased_at: Generated<Date>;
};

export type DuplicateSuggestionTable = {
  id: Generated<number>;
  customer_a: number;
  customer_b: number;
  score: number;
  reasons: string[];
  status: Generated<'open' | 'dismissed' | 'merged'>;
  found_at: Generated<Date>;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
};

export type DataQuarantineTable = {
  id: Generated<number>;
  customer_id: number | null;
  field: string;
  value_enc: string;
  value_bidx: string;
  reason: string;
  source: string;
  occurrences: Generated<number>;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  resolved_at: Timestamp | null;
  resolution: 'fixed' | 'dismissed' | null;
  resolved_by: string | null;
};

export type IdentityTables = {
  customer_identities: CustomerIdentityTable;
  identity_tombstones: IdentityTombstoneTable;
  customer_merges: CustomerMergeTable;
  duplicate_suggestions: DuplicateSuggestionTable;
  data_quarantine: DataQuarantineTable;
};
