import type { Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../db/columns.ts';

/** The tables the loyalty module owns (no other module's SQL names them; see the ownership test). */
export type LoyaltyMemberTable = {
  customer_id: number;
  member_no: string;
  status: Generated<'active' | 'closed'>;
  joined_at: Timestamp;
  source: string;
  tier: string | null;
  tier_since: Timestamp | null;
  tier_review_at: Timestamp | null;
  created_at: CreatedAt;
};

export type LedgerKind = 'earn' | 'bonus' | 'adjust' | 'redeem' | 'expire' | 'clawback';

export type LoyaltyLedgerTable = {
  id: Generated<number>;
  customer_id: number;
  kind: LedgerKind;
  source: string;
  points: number;
  remaining: Generated<number>;
  available_at: Timestamp;
  expires_at: Timestamp | null;
  order_id: number | null;
  reason: string | null;
  actor: string | null;
  created_at: CreatedAt;
};

export type LoyaltyTierChangeTable = {
  id: Generated<number>;
  customer_id: number;
  from_tier: string | null;
  to_tier: string | null;
  direction: 'up' | 'down';
  changed_at: Timestamp;
};

export type CouponKind = 'fixed' | 'percent' | 'free_shipping';

export type CouponTemplateTable = {
  id: Generated<number>;
  name: string;
  kind: CouponKind;
  amount: Generated<number>;
  percent: Generated<string>;
  cap: number | null;
  min_spend: Generated<number>;
  channels: Generated<string[]>;
  valid_from: Timestamp | null;
  valid_to: Timestamp | null;
  valid_days: number | null;
  uses_per_code: Generated<number>;
  per_customer_limit: number | null;
  archived: Generated<boolean>;
  created_by: string;
  created_at: CreatedAt;
};

export type CouponBatchTable = {
  id: Generated<number>;
  template_id: number;
  size: number;
  source: string;
  created_by: string;
  created_at: CreatedAt;
};

export type CouponTable = {
  code: string;
  template_id: number;
  batch_id: number | null;
  customer_id: number | null;
  max_uses: number;
  used: Generated<number>;
  starts_at: Timestamp | null;
  expires_at: Timestamp | null;
  void: Generated<boolean>;
  source: string | null;
  issued_at: Generated<Date>;
};

export type CouponRedemptionTable = {
  id: Generated<number>;
  code: string;
  template_id: number;
  order_ref: string;
  customer_id: number | null;
  channel: string | null;
  order_total: number;
  discount: number;
  redeemed_at: Generated<Date>;
  undone_at: Timestamp | null;
  undone_reason: string | null;
};

export type LoyaltyTables = {
  loyalty_members: LoyaltyMemberTable;
  loyalty_ledger: LoyaltyLedgerTable;
  loyalty_tier_changes: LoyaltyTierChangeTable;
  loyalty_order_queue: { order_id: number };
  coupon_templates: CouponTemplateTable;
  coupon_batches: CouponBatchTable;
  coupons: CouponTable;
  coupon_redemptions: CouponRedemptionTable;
};
