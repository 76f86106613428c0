import type { Generated } from 'kysely';
import type { Timestamp, Json } from '../../db/columns.ts';

/** The tables the analytics module owns (no other module's SQL names them; see the ownership test). */
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

export type AnalyticsModelTable = {
  id: Generated<number>;
  kind: 'clv' | 'rfm' | 'lifecycle';
  status: 'ready' | 'insufficient_data';
  params: Json;
  fitted_at: Timestamp;
};

export type RfmHistoryTable = { as_of: string; rfm_group: string; customers: number; revenue: number };

export type AnalyticsSnapshotTable = {
  key: string;
  name: string;
  params: Json;
  body: Json;
  computed_at: Timestamp;
  compute_ms: number;
  asked_at: Timestamp;
};

export type AnalyticsTables = {
  customer_metrics: CustomerMetricsTable;
  customer_changes: CustomerChangeTable;
  analytics_models: AnalyticsModelTable;
  rfm_history: RfmHistoryTable;
  analytics_snapshots: AnalyticsSnapshotTable;
};
