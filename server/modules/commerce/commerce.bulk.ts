import { sql } from 'kysely';
import type { ChannelTable, Db, OrderStatus } from '../../db/index.ts';
import type { Insertable } from 'kysely';
import { reserveIds } from '../customers/index.ts';

export type ChannelDef = Pick<Insertable<ChannelTable>, 'code' | 'name' | 'kind' | 'platform'>;

/** Creates the channels that do not exist yet; returns code → id for all of them. */
export async function ensureChannels(db: Db, defs: readonly ChannelDef[]): Promise<Map<string, number>> {
  if (defs.length > 0) {
    await db.insertInto('channels').values(defs.map((d) => ({ ...d }))).onConflict((oc) => oc.column('code').doNothing()).execute();
  }
  const rows = await db.selectFrom('channels').select(['id', 'code']).execute();
  return new Map(rows.map((r) => [r.code, r.id]));
}

export type NewProduct = { sku: string; name: string; category: string; priceAmount: number; currency: string };

export async function upsertProducts(db: Db, products: readonly NewProduct[]): Promise<Map<string, number>> {
  if (products.length > 0) {
    await sql`
      insert into products (sku, name, category, price_amount, currency)
      select * from unnest(${products.map((p) => p.sku)}::text[], ${products.map((p) => p.name)}::text[],
        ${products.map((p) => p.category)}::text[], ${products.map((p) => p.priceAmount)}::bigint[],
        ${products.map((p) => p.currency)}::text[])
      on conflict (sku) do update set name = excluded.name, category = excluded.category,
        price_amount = excluded.price_amount, currency = excluded.currency, updated_at = now()`.execute(db);
  }
  if (products.length === 0) return new Map();
  const rows = await db.selectFrom('products').select(['id', 'sku']).where('sku', 'in', products.map((p) => p.sku)).execute();
  return new Map(rows.map((r) => [r.sku, r.id]));
}

export type NewOrderItem = { productId: number | null; sku: string; name: string; quantity: number; unitPrice: number };

export type NewOrder = {
  customerId: number;
  channelId: number;
  externalId: string;
  status: OrderStatus;
  currency: string;
  totalAmount: number;
  discountAmount: number;
  shippingAmount: number;
  refundedAmount: number;
  couponCodes: string[];
  placedAt: Date;
  paidAt: Date | null;
  shippedAt: Date | null;
  deliveredAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  items: NewOrderItem[];
};

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Set-based insert of orders and their items (two statements). Existing (channel, external id) pairs are skipped. */
export async function insertOrders(db: Db, orders: readonly NewOrder[]): Promise<number> {
  if (orders.length === 0) return 0;
  const ids = await reserveIds(db, 'orders', orders.length);
  const col = <T>(f: (o: NewOrder) => T) => orders.map(f);
  const inserted = await sql<{ id: number }>`
    insert into orders (id, customer_id, channel_id, external_id, status, currency, total_amount, discount_amount,
      shipping_amount, refunded_amount, coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at,
      cancelled_at, created_at, updated_at)
    select u.id, u.customer_id, u.channel_id, u.external_id, u.status, u.currency, u.total_amount, u.discount_amount,
      u.shipping_amount, u.refunded_amount, coalesce(string_to_array(nullif(u.coupon_codes, ''), ','), '{}'), u.placed_at, u.paid_at,
      u.shipped_at, u.delivered_at, u.completed_at, u.cancelled_at, u.placed_at,
      coalesce(u.completed_at, u.delivered_at, u.shipped_at, u.paid_at, u.placed_at) from unnest(
      ${ids}::bigint[], ${col((o) => o.customerId)}::bigint[], ${col((o) => o.channelId)}::int[], ${col((o) => o.externalId)}::text[],
      ${col((o) => o.status)}::text[], ${col((o) => o.currency)}::text[], ${col((o) => o.totalAmount)}::bigint[],
      ${col((o) => o.discountAmount)}::bigint[], ${col((o) => o.shippingAmount)}::bigint[], ${col((o) => o.refundedAmount)}::bigint[],
      ${col((o) => o.couponCodes.join(','))}::text[], ${col((o) => iso(o.placedAt))}::timestamptz[], ${col((o) => iso(o.paidAt))}::timestamptz[],
      ${col((o) => iso(o.shippedAt))}::timestamptz[], ${col((o) => iso(o.deliveredAt))}::timestamptz[],
      ${col((o) => iso(o.completedAt))}::timestamptz[], ${col((o) => iso(o.cancelledAt))}::timestamptz[]
    ) as u(id, customer_id, channel_id, external_id, status, currency, total_amount, discount_amount, shipping_amount,
      refunded_amount, coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at, cancelled_at)
    on conflict (channel_id, external_id) do nothing
    returning id`.execute(db);
  const kept = new Set(inserted.rows.map((r) => Number(r.id)));
  const items = orders.flatMap((o, i) => (kept.has(ids[i]) ? o.items.map((it) => ({ ...it, orderId: ids[i], customerId: o.customerId })) : []));
  if (items.length > 0) {
    await sql`
      insert into order_items (order_id, customer_id, product_id, sku, name, quantity, unit_price, amount)
      select u.*, u.quantity * u.unit_price from unnest(
        ${items.map((i) => i.orderId)}::bigint[], ${items.map((i) => i.customerId)}::bigint[], ${items.map((i) => i.productId)}::bigint[],
        ${items.map((i) => i.sku)}::text[], ${items.map((i) => i.name)}::text[], ${items.map((i) => i.quantity)}::int[],
        ${items.map((i) => i.unitPrice)}::bigint[]
      ) as u(order_id, customer_id, product_id, sku, name, quantity, unit_price)`.execute(db);
  }
  return kept.size;
}
