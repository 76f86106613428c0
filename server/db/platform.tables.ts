import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, CreatedAt } from './columns.ts';

/** The tables the platform module owns (no other module's SQL names them; see the ownership test). */
export type PlatformKeyTable = {
  id: Generated<number>;
  kind: 'data' | 'index';
  wrapped_key: string;
  active: boolean;
  created_at: CreatedAt;
  retired_at: Timestamp | null;
};

export type SettingTable = {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
  updated_by: number | null;
};

export type PlatformTables = {
  platform_keys: PlatformKeyTable;
  settings: SettingTable;
};
