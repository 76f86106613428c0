import type { ColumnType, Generated } from 'kysely';

/** Row types of every table, grouped by owning module (see ARCHITECTURE.md). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string | undefined, string>;

// platform
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

// auth
export type Role = 'owner' | 'admin' | 'marketer' | 'service_agent' | 'analyst';

export type UserTable = {
  id: Generated<number>;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  status: 'active' | 'disabled';
  must_change_password: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
};

export type SessionTable = {
  id: string;
  user_id: number;
  csrf_token: string;
  ip: string | null;
  user_agent: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
};

export type ApiKeyTable = {
  id: Generated<number>;
  prefix: string;
  secret_hash: string;
  name: string;
  role: Role;
  scopes: string[] | null;
  created_by: number | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
};

// audit
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

// commerce (channels, products, orders)
export type ChannelTable = {
  id: Generated<number>;
  code: string;
  name: string;
  kind: 'marketplace' | 'social' | 'offline' | 'web';
  platform: string;
  created_at: CreatedAt;
};

export type ProductTable = {
  id: Generated<number>;
  sku: string;
  name: string;
  category: string;
  price_amount: number;
  currency: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
};

export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'shipped'
  | 'delivered'
  | 'completed'
  | 'cancelled'
  | 'refunded'
  | 'partially_refunded';

export type OrderTable = {
  id: Generated<number>;
  customer_id: number;
  channel_id: number;
  external_id: string;
  status: OrderStatus;
  currency: string;
  total_amount: number;
  discount_amount: number;
  shipping_amount: number;
  refunded_amount: number;
  coupon_codes: string[];
  placed_at: Timestamp;
  paid_at: Timestamp | null;
  shipped_at: Timestamp | null;
  delivered_at: Timestamp | null;
  completed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  shipping_address_id: Generated<number | null>;
  /** The CSV import that created the order (for undo), like events.import_id. */
  import_id: Generated<number | null>;
};

export type OrderItemTable = {
  id: Generated<number>;
  order_id: number;
  customer_id: number;
  product_id: number | null;
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
  amount: number;
};

// customers
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

// events
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

export type IdentityTombstoneTable = {
  kind: string;
  channel: string;
  key: string;
  request_id: number | null;
  erased_at: Generated<Date>;
};

export type CustomerTagTable = { customer_id: number; tag: string; source: string; created_at: ColumnType<Date, Date | string | undefined, never> };
export type CustomerNoteTable = { id: Generated<number>; customer_id: number; body: string; author_label: string; created_at: Generated<Date> };
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

export type RefundTable = {
  id: Generated<number>;
  /** Null: a refund of a purchase Patron never saw (a return in an imported file whose sale predates it). */
  order_id: number | null;
  channel_id: number | null;
  customer_id: number;
  external_id: string;
  amount: number;
  currency: string;
  reason: string | null;
  source: string;
  refunded_at: Timestamp;
  created_at: Generated<Date>;
};

export type ShipmentStatus = 'pending' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'failed' | 'returned' | 'unknown';

export type ShipmentTable = {
  id: Generated<number>;
  order_id: number;
  customer_id: number;
  carrier: string | null;
  tracking_number: string;
  status: Generated<ShipmentStatus>;
  source: string;
  shipped_at: Timestamp | null;
  delivered_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
};

export type ImportBeforeImageTable = {
  import_id: number;
  customer_id: number;
  /** Column → value before the import first changed it (encrypted columns as stored). */
  fields: Json;
};

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

export type SavedViewTable = {
  id: Generated<number>;
  user_id: number;
  scope: 'customers';
  name: string;
  params: ColumnType<Record<string, unknown>, string, string>;
  shared: Generated<boolean>;
  created_at: Generated<Date>;
};

export type CustomerOperationPartTable = { operation_id: number; seq: number; content: Buffer };

export type ImportUploadTable = { id: Generated<number>; file_name: string; content: Buffer; uploaded_by: string; created_at: Generated<Date> };

// analytics
export type LifecycleStage = 'prospect' | 'new' | 'active' | 'at_risk' | 'lapsed' | 'churned';
export type CustomerMetricsTable = {
  customer_id: number;
  orders_count: number;
  net_spent: number;
  first_order_at: Timestamp | null;
  last_order_at: Timestamp | null;
  avg_order_value: number | null;
  avg_days_between: number | null;
  distinct_products: number;
  distinct_categories: number;
  channel_ids: number[];
  last_seen_at: Timestamp | null;
  lifecycle_stage: LifecycleStage;
  recency_days: number | null;
  rfm_frequency: number | null;
  rfm_monetary: number | null;
  rfm_r: number | null;
  rfm_f: number | null;
  rfm_m: number | null;
  rfm_group: string | null;
  p_alive: number | null;
  churn_probability: number | null;
  expected_purchases: number | null;
  expected_avg_value: number | null;
  clv: number | null;
  next_order_at: Timestamp | null;
  computed_at: Timestamp;
};
export type CustomerChangeTable = { customer_id: number; changed_at: Generated<Date> };
/** Newest times of a customer's orders (all, per category) and events (per name); see migration 0019. */
export type CustomerActivityTable = { kind: 'order' | 'category' | 'event'; key: string; customer_id: number; total: number; latest: Date[] };
export type AnalyticsModelTable = {
  id: Generated<number>;
  kind: 'clv' | 'rfm' | 'lifecycle';
  status: 'ready' | 'insufficient_data';
  params: Json;
  fitted_at: Timestamp;
};
export type RfmHistoryTable = { as_of: string; rfm_group: string; customers: number; revenue: number };
export type AnalyticsSnapshotTable = { key: string; name: string; params: Json; body: Json; computed_at: Timestamp; compute_ms: number; asked_at: Timestamp };

// customers: custom attribute registry
export type AttributeType = 'text' | 'number' | 'date' | 'boolean' | 'enum';
export type AttributeDefinitionTable = { key: string; label: string; type: AttributeType; options: string[]; created_at: CreatedAt };

// segments
export type SegmentTable = {
  id: Generated<number>;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  rules: Json | null;
  status: Generated<'pending' | 'computing' | 'ready' | 'failed'>;
  error: string | null;
  size: Generated<number>;
  computed_at: Timestamp | null;
  created_by: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
};
export type SegmentMemberTable = { segment_id: number; customer_id: number; entered_at: Timestamp };
export type SegmentHistoryTable = { id: Generated<number>; segment_id: number; customer_id: number; entered_at: Timestamp; exited_at: Timestamp | null };
export type SegmentSizeTable = { segment_id: number; measured_at: Timestamp; size: number };

// domain events (server/events)
export type DomainEventTable = {
  id: Generated<number>;
  key: string;
  type: string;
  version: Generated<number>;
  customer_id: number | null;
  payload: Json;
  occurred_at: Timestamp;
  created_at: CreatedAt;
};
export type EventSubscriptionTable = { subscriber: string; type: string };
export type EventDeliveryTable = {
  event_id: number;
  subscriber: string;
  customer_id: number | null;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  next_at: Generated<Date>;
  error: string | null;
  delivered_at: Timestamp | null;
};

export type Database = {
  domain_events: DomainEventTable;
  event_subscriptions: EventSubscriptionTable;
  event_deliveries: EventDeliveryTable;
  customer_metrics: CustomerMetricsTable;
  customer_changes: CustomerChangeTable;
  customer_activity: CustomerActivityTable;
  analytics_models: AnalyticsModelTable;
  rfm_history: RfmHistoryTable;
  analytics_snapshots: AnalyticsSnapshotTable;
  attribute_definitions: AttributeDefinitionTable;
  segments: SegmentTable;
  segment_members: SegmentMemberTable;
  segment_membership_history: SegmentHistoryTable;
  segment_sizes: SegmentSizeTable;
  import_uploads: ImportUploadTable;
  customer_tags: CustomerTagTable;
  customer_notes: CustomerNoteTable;
  customer_operations: CustomerOperationTable;
  customer_operation_parts: CustomerOperationPartTable;
  refunds: RefundTable;
  import_before_images: ImportBeforeImageTable;
  shipments: ShipmentTable;
  customer_addresses: CustomerAddressTable;
  duplicate_suggestions: DuplicateSuggestionTable;
  data_quarantine: DataQuarantineTable;
  saved_views: SavedViewTable;
  consents: ConsentTable;
  privacy_requests: PrivacyRequestTable;
  identity_tombstones: IdentityTombstoneTable;
  customer_merges: CustomerMergeTable;
  imports: ImportTable;
  import_errors: ImportErrorTable;
  import_records: ImportRecordTable;
  integrations: IntegrationTable;
  webhook_deliveries: WebhookDeliveryTable;
  customer_identities: CustomerIdentityTable;
  sources: SourceTable;
  platform_keys: PlatformKeyTable;
  settings: SettingTable;
  users: UserTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  audit_log: AuditLogTable;
  channels: ChannelTable;
  products: ProductTable;
  customers: CustomerTable;
  orders: OrderTable;
  order_items: OrderItemTable;
  events: EventTable;
};
