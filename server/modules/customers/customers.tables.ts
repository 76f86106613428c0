import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, CreatedAt } from '../../db/columns.ts';

/** The tables the customers module owns (no other module's SQL names them; see the ownership test). */
export type Gender = 'male' | 'female' | 'unknown';

export type CustomerTable = {
  id: Generated<number>;
  name: string | null;
  gender: Gender;
  birthday: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  locale: string | null;
  time_zone: string | null;
  first_channel_id: number | null;
  email_enc: string | null;
  email_bidx: string | null;
  phone_enc: string | null;
  phone_bidx: string | null;
  address_enc: string | null;
  merged_into: Generated<number | null>;
  erased_at: Generated<Date | null>;
  attributes: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type CustomerTagTable = {
  customer_id: number;
  tag: string;
  source: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
};

export type CustomerNoteTable = {
  id: Generated<number>;
  customer_id: number;
  body: string;
  author_label: string;
  created_at: Generated<Date>;
};

export type CustomerOperationTable = {
  id: Generated<number>;
  kind: 'tag' | 'untag' | 'export';
  params: ColumnType<Record<string, unknown>, string, string>;
  status: Generated<'queued' | 'running' | 'completed' | 'failed'>;
  total: number | null;
  done: Generated<number>;
  result: Buffer | null;
  error: string | null;
  requested_by: string;
  created_at: Generated<Date>;
  completed_at: Timestamp | null;
};

export type CustomerOperationPartTable = { operation_id: number; seq: number; content: Buffer };

export type CustomerAddressTable = {
  id: Generated<number>;
  customer_id: number;
  province: string | null;
  city: string | null;
  district: string | null;
  line_enc: string | null;
  address_bidx: string;
  source: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
};

export type SavedViewTable = {
  id: Generated<number>;
  user_id: number;
  scope: 'customers';
  name: string;
  params: ColumnType<Record<string, unknown>, string, string>;
  shared: Generated<boolean>;
  created_at: Generated<Date>;
};

export type AttributeType = 'text' | 'number' | 'date' | 'boolean' | 'enum';

export type AttributeDefinitionTable = { key: string; label: string; type: AttributeType; options: string[]; created_at: CreatedAt };

export type CustomersTables = {
  attribute_definitions: AttributeDefinitionTable;
  customer_tags: CustomerTagTable;
  customer_notes: CustomerNoteTable;
  customer_operations: CustomerOperationTable;
  customer_operation_parts: CustomerOperationPartTable;
  customer_addresses: CustomerAddressTable;
  saved_views: SavedViewTable;
  customers: CustomerTable;
};
