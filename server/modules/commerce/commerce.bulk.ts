import { sql } from 'kysely';
import type { ChannelTable, Db, OrderStatus } from '../../db/index.ts';
import type { Insertable, RawBuilder } from 'kysely';
import { recordShipments, type ShipmentInput } from './shipments.service.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export type OrderLine = { sku: string; name: string; category?: string | null; quantity: number; unitPrice: number };

export type OrderUpsert = {
  customerId: number;
  channelId: number;
  externalId: string;
  status: OrderStatus;
  currency: string;
  totalAmount: number;
  discountAmount?: number;
  shippingAmount?: number;
  couponCodes?: string[];
  placedAt: Date;
  paidAt?: Date | null;
  shippedAt?: Date | null;
  deliveredAt?: Date | null;
  completedAt?: Date | null;
  cancelledAt?: Date | null;
  refundedAmount?: number;
  /** The buyer's stored address the order ships to (kept when a later update names none). */
  shippingAddressId?: number | null;
  items?: OrderLine[];
  /** The source states the order's current status (platform webhooks); else status is set only on creation. */
  authoritative?: boolean;
  /** The CSV import creating the order (kept on the order for undo; an update does not change it). */
  importId?: number;
  /** Parcels the source reports (by tracking number; see `recordShipments`). */
  shipments?: ShipmentInput[];
  /** Who reported it (a shipment's source). */
  source?: string;
  now: Date;
};

export type ChannelDef = Pick<Insertable<ChannelTable>, 'code' | 'name' | 'kind' | 'platform'>;

/** Creates the channels that do not exist yet; returns code → id for all of them. */
export async function ensureChannels(db: Db, defs: readonly ChannelDef[]): Promise<Map<string, number>> {
  if (defs.length > 0) {
    await db
      .insertInto('channels')
      .values(defs.map((d) => ({ ...d })))
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  }
  const rows = await db.selectFrom('channels').select(['id', 'code']).execute();
  return new Map(rows.map((r) => [r.code, r.id]));
}

export type NewProduct = { sku: string; name: string; category: string; priceAmount: number; currency: string };

/**
 * Creates or refreshes products by SKU (a repeated SKU: the last one wins); an empty category keeps
 * the one the product has. A product whose fields are unchanged is neither rewritten nor locked (an import
 * names the same products in every batch). Returns SKU → id.
 */
export async function upsertProducts(db: Db, products: readonly NewProduct[]): Promise<Map<string, number>> {
  // In SKU order, so two transactions updating the same products lock them in the same order.
  const bySku = [...new Map(products.map((p) => [p.sku, p])).values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  if (bySku.length === 0) return new Map();
  // New SKUs inserted, changed ones updated, unchanged ones only read: `on conflict do update … where` would lock
  // every named product, and two import batches side by side (each naming the shop's best sellers) would queue.
  const written = await sql<{ id: number; sku: string }>`
    with u as (
      select * from unnest(${bySku.map((p) => p.sku)}::text[], ${bySku.map((p) => p.name)}::text[], ${bySku.map((p) => p.category)}::text[],
        ${bySku.map((p) => p.priceAmount)}::bigint[], ${bySku.map((p) => p.currency)}::text[]) as u(sku, name, category, price_amount, currency)
    ),
    inserted as (insert into products (sku, name, category, price_amount, currency) select * from u on conflict (sku) do nothing returning id, sku),
    updated as (
      update products p set name = u.name, category = coalesce(nullif(u.category, ''), p.category), price_amount = u.price_amount,
        currency = u.currency, updated_at = now()
      from u where p.sku = u.sku
        and (p.name, p.category, p.price_amount, p.currency) is distinct from (u.name, coalesce(nullif(u.category, ''), p.category), u.price_amount, u.currency)
      returning p.id, p.sku
    )
    select id, sku from inserted union all select id, sku from updated`.execute(db);
  const ids = new Map(written.rows.map((r) => [r.sku, Number(r.id)]));
  const unchanged = bySku.filter((p) => !ids.has(p.sku)).map((p) => p.sku);
  if (unchanged.length > 0) {
    // A statement of its own: it sees a product another transaction committed while the upsert ran.
    const rows = await db.selectFrom('products').select(['id', 'sku']).where('sku', 'in', unchanged).execute();
    for (const r of rows) ids.set(r.sku, Number(r.id));
  }
  return ids;
}

const paidLike = new Set<OrderStatus>(['paid', 'shipped', 'delivered', 'completed', 'refunded', 'partially_refunded']);
/** Separates coupon codes inside one array element (unnest cannot take an array of arrays). */
const UNIT = '\u001f';

/** The products the lines of these orders name, as `upsertOrders` stores them (a repeated SKU: the last line wins). */
export function productsOfOrders(orders: readonly Pick<OrderUpsert, 'items' | 'currency'>[]): NewProduct[] {
  const products = new Map<string, NewProduct>();
  for (const o of orders)
    for (const it of o.items ?? [])
      products.set(it.sku, { sku: it.sku, name: it.name, category: it.category ?? '', priceAmount: it.unitPrice, currency: o.currency });
  return [...products.values()];
}

/**
 * Creates or updates orders by (channel, external id) in three statements for the whole set: orders,
 * products of their items, items (replaced for every order that names items). An authoritative order
 * (its source states the current status: platform webhooks, imports) also moves status, refunds and
 * lifecycle times; otherwise status is set only on creation. Each (channel, external id) once per call.
 * `productIds`: products the caller already stored (by SKU) — an import stores a batch's products before the
 * batch's transaction, so two batches side by side do not lock the same product rows.
 */
export async function upsertOrders(
  trx: Db,
  orders: readonly OrderUpsert[],
  productIds?: ReadonlyMap<string, number>,
): Promise<{ orderId: number; created: boolean }[]> {
  const results: { orderId: number; created: boolean }[] = new Array(orders.length);
  for (const authoritative of [true, false]) {
    const picked = [...orders.keys()].filter((i) => Boolean(orders[i].authoritative) === authoritative);
    if (picked.length === 0) continue;
    const stored = await upsertOrderRows(
      trx,
      picked.map((i) => orders[i]),
      authoritative,
    );
    picked.forEach((i, n) => {
      results[i] = stored[n];
    });
  }
  await replaceItems(
    trx,
    orders,
    results.map((r) => r.orderId),
    productIds ?? new Map(),
  );
  for (const [i, o] of orders.entries()) {
    if (o.shipments?.length)
      await recordShipments(trx, {
        orderId: results[i].orderId,
        customerId: o.customerId,
        shipments: o.shipments,
        source: o.source ?? 'api',
        now: o.now,
      });
  }
  return results;
}

async function upsertOrderRows(trx: Db, orders: readonly OrderUpsert[], authoritative: boolean) {
  const col = <T>(f: (o: OrderUpsert) => T) => orders.map(f);
  const rows = await sql<{ id: number; channel_id: number; external_id: string; inserted: boolean }>`
    insert into orders (customer_id, channel_id, external_id, status, currency, total_amount, discount_amount, shipping_amount,
      refunded_amount, coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at, cancelled_at, updated_at, shipping_address_id, import_id)
    select u.customer_id, u.channel_id, u.external_id, u.status, u.currency, u.total_amount, u.discount_amount, u.shipping_amount,
      u.refunded_amount, coalesce(string_to_array(nullif(u.coupon_codes, ''), ${UNIT}), '{}'), u.placed_at, u.paid_at, u.shipped_at,
      u.delivered_at, u.completed_at, u.cancelled_at, u.updated_at, u.shipping_address_id, u.import_id from unnest(
      ${col((o) => o.customerId)}::bigint[], ${col((o) => o.channelId)}::int[], ${col((o) => o.externalId)}::text[],
      ${col((o) => o.status)}::text[], ${col((o) => o.currency)}::text[], ${col((o) => o.totalAmount)}::bigint[],
      ${col((o) => o.discountAmount ?? 0)}::bigint[], ${col((o) => o.shippingAmount ?? 0)}::bigint[], ${col((o) => o.refundedAmount ?? 0)}::bigint[],
      ${col((o) => (o.couponCodes ?? []).join(UNIT))}::text[], ${col((o) => iso(o.placedAt))}::timestamptz[],
      ${col((o) => iso(o.paidAt ?? (paidLike.has(o.status) ? o.placedAt : null)))}::timestamptz[], ${col((o) => iso(o.shippedAt ?? null))}::timestamptz[],
      ${col((o) => iso(o.deliveredAt ?? null))}::timestamptz[], ${col((o) => iso(o.completedAt ?? null))}::timestamptz[],
      ${col((o) => iso(o.cancelledAt ?? (o.status === 'cancelled' ? o.now : null)))}::timestamptz[], ${col((o) => iso(o.now))}::timestamptz[],
      ${col((o) => o.shippingAddressId ?? null)}::bigint[], ${col((o) => o.importId ?? null)}::bigint[]
    ) as u(customer_id, channel_id, external_id, status, currency, total_amount, discount_amount, shipping_amount, refunded_amount,
      coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at, cancelled_at, updated_at, shipping_address_id, import_id)
    on conflict (channel_id, external_id) do update set
      total_amount = excluded.total_amount, discount_amount = excluded.discount_amount, shipping_amount = excluded.shipping_amount,
      coupon_codes = excluded.coupon_codes, currency = excluded.currency, paid_at = coalesce(orders.paid_at, excluded.paid_at),
      updated_at = excluded.updated_at, shipping_address_id = coalesce(excluded.shipping_address_id, orders.shipping_address_id),
      status = case when ${authoritative} then excluded.status else orders.status end,
      refunded_amount = case when ${authoritative} then greatest(orders.refunded_amount, excluded.refunded_amount) else orders.refunded_amount end,
      shipped_at = case when ${authoritative} then coalesce(orders.shipped_at, excluded.shipped_at) else orders.shipped_at end,
      delivered_at = case when ${authoritative} then coalesce(orders.delivered_at, excluded.delivered_at) else orders.delivered_at end,
      completed_at = case when ${authoritative} then coalesce(orders.completed_at, excluded.completed_at) else orders.completed_at end,
      cancelled_at = case when ${authoritative} then coalesce(orders.cancelled_at, excluded.cancelled_at) else orders.cancelled_at end
    returning id, channel_id, external_id, (xmax = 0) as inserted`.execute(trx);
  const byKey = new Map(rows.rows.map((r) => [`${r.channel_id}|${r.external_id}`, r]));
  return orders.map((o) => {
    const r = byKey.get(`${o.channelId}|${o.externalId}`)!;
    return { orderId: Number(r.id), created: r.inserted };
  });
}

/** Order lines as the columns of one `unnest` insert. */
type ItemColumns = {
  orderId: number[];
  customerId: number[];
  productId: (number | null)[];
  sku: string[];
  name: string[];
  quantity: number[];
  unitPrice: number[];
};
const itemColumns = (): ItemColumns => ({ orderId: [], customerId: [], productId: [], sku: [], name: [], quantity: [], unitPrice: [] });
function pushItem(c: ItemColumns, orderId: number, customerId: number, productId: number | null, it: OrderLine) {
  c.orderId.push(orderId);
  c.customerId.push(customerId);
  c.productId.push(productId);
  c.sku.push(it.sku);
  c.name.push(it.name);
  c.quantity.push(it.quantity);
  c.unitPrice.push(it.unitPrice);
}

/**
 * Replaces the items of every order that names items (products created or refreshed by SKU). The lines go
 * straight into columns: an import batch has thousands, and an object per line and per product was most
 * of the batch's garbage.
 */
async function replaceItems(trx: Db, orders: readonly OrderUpsert[], orderIds: readonly number[], stored: ReadonlyMap<string, number>) {
  const cols = itemColumns();
  const withItems: number[] = [];
  orders.forEach((o, i) => {
    if (!o.items?.length) return;
    withItems.push(orderIds[i]);
    for (const it of o.items) pushItem(cols, orderIds[i], o.customerId, null, it);
  });
  if (cols.orderId.length === 0) return;
  const ids = new Map(stored);
  for (const [sku, id] of await upsertProducts(
    trx,
    productsOfOrders(orders).filter((p) => !stored.has(p.sku)),
  ))
    ids.set(sku, id);
  cols.productId = cols.sku.map((sku) => ids.get(sku) ?? null);
  await sql`delete from order_items where order_id = any(${[...new Set(withItems)]}::bigint[])`.execute(trx);
  await insertItems(trx, cols);
}

async function insertItems(db: Db, c: ItemColumns) {
  if (c.orderId.length === 0) return;
  await sql`
    insert into order_items (order_id, customer_id, product_id, sku, name, quantity, unit_price, amount)
    select u.*, u.quantity * u.unit_price from unnest(
      ${c.orderId}::bigint[], ${c.customerId}::bigint[], ${c.productId}::bigint[], ${c.sku}::text[], ${c.name}::text[],
      ${c.quantity}::int[], ${c.unitPrice}::bigint[]
    ) as u(order_id, customer_id, product_id, sku, name, quantity, unit_price)`.execute(db);
}

/**
 * Bulk load of generated history (the demo store's set-based generator) from two relations the caller fills:
 * `orders` yields key, customer_id, channel_id, external_id, status, currency, total_amount, discount_amount,
 * shipping_amount, refunded_amount, coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at,
 * cancelled_at; `items` yields key (its order's), customer_id, product_id, sku, name, quantity, unit_price. One
 * statement, ids drawn from the sequence. The orders must be new: a (channel, external id) stored already fails the
 * load. Returns how many orders were stored.
 */
export async function loadOrders(db: Db, orders: RawBuilder<unknown>, items: RawBuilder<unknown>): Promise<number> {
  const result = await sql<{ n: number }>`
    with src as materialized (select nextval(pg_get_serial_sequence('orders', 'id')) as id, s.* from (${orders}) s),
    stored as (
      insert into orders (id, customer_id, channel_id, external_id, status, currency, total_amount, discount_amount,
        shipping_amount, refunded_amount, coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at,
        cancelled_at, created_at, updated_at)
      select id, customer_id, channel_id, external_id, status, currency, total_amount, discount_amount, shipping_amount,
        refunded_amount, coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at, cancelled_at, placed_at,
        coalesce(completed_at, delivered_at, shipped_at, paid_at, placed_at)
      from src
      returning id),
    lines as (
      insert into order_items (order_id, customer_id, product_id, sku, name, quantity, unit_price, amount)
      select src.id, i.customer_id, i.product_id, i.sku, i.name, i.quantity, i.unit_price, i.quantity * i.unit_price
      from (${items}) i join src on src.key = i.key)
    select count(*)::int as n from stored`.execute(db);
  return Number(result.rows[0].n);
}
