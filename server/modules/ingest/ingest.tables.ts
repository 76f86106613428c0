import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, CreatedAt, Json } from '../../db/columns.ts';

/** The tables the ingest module owns (no other module's SQL names them; see the ownership test). */
export type IntegrationProvider = 'shopify' | 'woocommerce' | 'taobao' | 'douyin' | 'youzan' | 'jd';

export type IntegrationTable = {
  id: Generated<number>;
  provider: IntegrationProvider;
  name: string;
  channel_id: number;
  secret_enc: string;
  created_at: CreatedAt;
  disabled_at: Timestamp | null;
  last_delivery_at: Generated<Date | null>;
  deliveries: Generated<number>;
  failures: Generated<number>;
  last_failure_at: Generated<Date | null>;
  last_failure: Generated<string | null>;
};

export type WebhookDeliveryTable = {
  integration_id: number;
  delivery_id: string;
  topic: string;
  received_at: Generated<Date>;
};

export type ImportKind = 'customers' | 'orders' | 'products' | 'events';

export type ImportStatus = 'running' | 'completed' | 'completed_with_errors' | 'failed' | 'undone';

export type ImportTable = {
  id: Generated<number>;
  kind: ImportKind;
  file_name: string;
  file_sha256: string;
  options: ColumnType<unknown, string, string>;
  status: Generated<ImportStatus>;
  rows_done: Generated<number>;
  unlinked_returns: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  skipped: Generated<number>;
  failed: Generated<number>;
  error: string | null;
  started_at: Generated<Date>;
  finished_at: Timestamp | null;
  undone_at: Timestamp | null;
  upload_id: Generated<number | null>;
};

export type ImportErrorTable = {
  id: Generated<number>;
  import_id: number;
  row_number: number;
  column_name: string | null;
  reason: string;
  raw: ColumnType<unknown, string | null, string | null>;
  /** The row's cells as read, encrypted (JSON): unmasked only for a user who may see personal data. */
  raw_enc: Generated<string | null>;
};

export type ImportRecordTable = {
  import_id: number;
  entity: 'customer' | 'order' | 'product' | 'refund';
  entity_id: number;
  amount: Generated<number>;
};

export type ImportBeforeImageTable = {
  import_id: number;
  customer_id: number;
  /** Column → value before the import first changed it (encrypted columns as stored). */
  fields: Json;
};

export type ImportUploadTable = {
  id: Generated<number>;
  file_name: string;
  content: Buffer;
  uploaded_by: string;
  created_at: Generated<Date>;
};

export type IngestTables = {
  import_uploads: ImportUploadTable;
  import_before_images: ImportBeforeImageTable;
  imports: ImportTable;
  import_errors: ImportErrorTable;
  import_records: ImportRecordTable;
  integrations: IntegrationTable;
  webhook_deliveries: WebhookDeliveryTable;
};
