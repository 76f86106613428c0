import type { Generated } from 'kysely';
import type { Timestamp, CreatedAt } from '../../db/columns.ts';

/** The tables the commerce module owns (no other module's SQL names them; see the ownership test). */
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
  /** Stock on hand, when the catalogue tells it (null: never told). */
  stock: number | null;
  /** The platform's own product id (a Shopify product, parent of its variants' SKUs). */
  external_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
};

/** A price drop or restock the catalogue told (from: the old price or stock; to: the new). */
export type ProductChangeTable = {
  id: Generated<number>;
  product_id: number;
  kind: 'price_dropped' | 'back_in_stock';
  from_value: number | null;
  to_value: number;
  at: Timestamp;
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

export type CommerceTables = {
  refunds: RefundTable;
  shipments: ShipmentTable;
  channels: ChannelTable;
  products: ProductTable;
  product_changes: ProductChangeTable;
  orders: OrderTable;
  order_items: OrderItemTable;
};
