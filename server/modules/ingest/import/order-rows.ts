import type { Db, OrderStatus } from '../../../db/index.ts';
import type { Keyring } from '../../../platform/crypto.ts';
import { sql } from 'kysely';
import {
  type NewProduct,
  type OrderUpsert,
  productsOfOrders,
  recordRefund,
  recordUnlinkedRefund,
  toMinor,
  upsertOrder,
  upsertOrders,
} from '../../commerce/index.ts';
import { normalizeExternalId } from '../../customers/index.ts';
import { type Identifier, resolveCustomer, resolveCustomers, unusableIdentifiers } from '../../identity/index.ts';
import {
  type ImportOptions,
  type Outcome,
  type Row,
  type RowError,
  RowProblem,
  afterResolve,
  buyerIdentifiers,
  number,
  reader,
  reasons,
  resolveOptions,
} from './rows.ts';

const STATUS: Record<string, OrderStatus> = {
  paid: 'paid',
  已付款: 'paid',
  待发货: 'paid',
  pending: 'pending_payment',
  pending_payment: 'pending_payment',
  待付款: 'pending_payment',
  等待买家付款: 'pending_payment',
  shipped: 'shipped',
  已发货: 'shipped',
  卖家已发货: 'shipped',
  delivered: 'delivered',
  已签收: 'delivered',
  completed: 'completed',
  交易成功: 'completed',
  已完成: 'completed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  已取消: 'cancelled',
  交易关闭: 'cancelled',
  refunded: 'refunded',
  已退款: 'refunded',
  partially_refunded: 'partially_refunded',
};

/** Values of an order-type column that make a row a return. */
const RETURN_TYPES = new Set([
  'return',
  'returned',
  'refund',
  'refunded',
  'credit',
  'credit note',
  'cancellation',
  '退货',
  '退款',
  '售后',
  '退货退款',
  '仅退款',
  '退单',
]);

const hasReturnsPrefix = (orderId: string, prefix: string | undefined) =>
  prefix !== undefined &&
  prefix !== '' &&
  orderId.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase() &&
  /\d/.test(orderId.charAt(prefix.length));

/** A row reader bound to a mapping: `get('email')` reads the mapped column, trimmed; '' when absent. */

type Line = { sku: string; name: string; category: string | null; quantity: number; unitPrice: number };

/** The receiver's address of an order (it becomes one of the buyer's addresses and the order's shipping address). */
type ShipTo = { province?: string; city?: string; district?: string; address?: string };

/** One order group read from its rows, before anything is stored. */
type ParsedOrder = {
  orderId: string;
  placedAt: Date;
  buyer: Identifier[];
  buyerName: string;
  shipTo: ShipTo;
  isReturn: boolean;
  lines: Line[];
  totalGiven: boolean;
  order: Omit<OrderUpsert, 'customerId' | 'items'>;
};

/** The item lines of an order's rows; none when no row names an item (an order-level file). */
function orderLines(rows: Row[], mapping: Record<string, string>, currency: string): Line[] {
  const lines: Line[] = [];
  for (const r of rows) {
    const rg = (t: string) => reader(mapping)(r, t);
    const sku = rg('sku') || rg('product_name');
    const quantity = number(rg, 'quantity', mapping.quantity) ?? 1;
    const unit = number(rg, 'unit_price', mapping.unit_price);
    if (!sku) {
      // Every row of an order names an item, or none does.
      if (lines.length > 0 || rows.length > 1 || unit !== null)
        throw new RowProblem(mapping.sku ?? mapping.product_name ?? null, 'sku and product_name are both empty');
      continue;
    }
    lines.push({
      sku,
      name: rg('product_name') || sku,
      category: rg('category') || null,
      quantity,
      unitPrice: toMinor(unit ?? 0, currency) ?? 0,
    });
  }
  return lines;
}

/**
 * Reads the rows of one order (contiguous rows sharing an order id). Negative quantities, an order-type column
 * saying "return" (退货, refund…), or an id with the import's returns prefix (`returnsPrefix`) make a return.
 */
function parseOrderGroup(rows: Row[], mapping: Record<string, string>, o: ImportOptions): ParsedOrder {
  const get = (t: string) => reader(mapping)(rows[0], t);
  const orderId = normalizeExternalId(get('order_id'));
  if (!orderId) throw new RowProblem(mapping.order_id ?? null, 'order_id is empty');
  const placedAt = o.parseDate(get('placed_at'));
  if (!placedAt)
    throw new RowProblem(mapping.placed_at ?? null, `placed_at: not a date in the expected format (${get('placed_at') || 'empty'})`);
  const currency = (get('currency') || o.currency).toUpperCase();
  const lines = orderLines(rows, mapping, currency);
  const buyer = buyerIdentifiers(get, 'customer_external_id', o.channelCode);
  if (buyer.length === 0) throw new RowProblem(mapping.customer_external_id ?? null, 'no buyer: map customer_external_id, phone or email');
  const total = number(get, 'total', mapping.total);
  // An order-level file (order id, buyer, date, total) has no item columns: the order is stored without lines.
  if (lines.length === 0 && total === null) throw new RowProblem(mapping.total ?? null, 'neither items (sku or product_name) nor a total');
  const isReturn =
    (lines.length > 0 && lines.every((l) => l.quantity < 0)) ||
    RETURN_TYPES.has(get('order_type').toLowerCase()) ||
    hasReturnsPrefix(orderId, o.returnsPrefix);
  if (isReturn && lines.length === 0) throw new RowProblem(mapping.sku ?? null, 'a return needs the returned items (sku or product_name)');
  const status = STATUS[get('status').toLowerCase()] ?? STATUS[get('status')];
  if (get('status') && !status) throw new RowProblem(mapping.status, `status: unknown value ${get('status')}`);
  const order = {
    channelId: o.channelId,
    externalId: orderId,
    status: status ?? 'paid',
    currency,
    totalAmount: Math.max(0, total !== null ? (toMinor(total, currency) ?? 0) : lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0)),
    discountAmount: toMinor(number(get, 'discount', mapping.discount) ?? 0, currency) ?? 0,
    shippingAmount: toMinor(number(get, 'shipping', mapping.shipping) ?? 0, currency) ?? 0,
    couponCodes: get('coupon') ? [get('coupon')] : [],
    placedAt,
    paidAt: get('paid_at') ? o.parseDate(get('paid_at')) : null,
    authoritative: true,
    importId: o.importId,
    now: o.now,
  };
  const shipTo = {
    province: get('province') || undefined,
    city: get('city') || undefined,
    district: get('district') || undefined,
    address: get('address') || undefined,
  };
  return { orderId, placedAt, buyer, buyerName: get('name'), shipTo, isReturn, lines, totalGiven: total !== null, order };
}

const buyerRequest = (p: ParsedOrder) => ({ identifiers: p.buyer, profile: { name: p.buyerName || undefined, ...p.shipTo } });

/** Every identifier of the buyer is invalid: the row's failure, with each reason. */
function invalidBuyer(keyring: Keyring, ids: Identifier[]): RowProblem | null {
  const unusable = unusableIdentifiers(keyring, ids);
  return unusable ? new RowProblem(null, reasons(unusable)) : null;
}

/** Order groups read and checked before anything is stored: ready for the batch path, for one at a time, or rejected. */
export type PreparedOrders = {
  parsed: { rows: Row[]; p: ParsedOrder }[];
  later: Row[][];
  errors: RowError[];
  named: Set<string>;
  products: NewProduct[];
};

/**
 * Reads the order groups of a batch (no database): done while the previous batches are in PostgreSQL. Returns
 * (they look up the original purchase), an order seen twice in the batch, and an order the batch before names
 * (`namedBefore`: that batch may not have committed yet) go one at a time.
 */
export function prepareOrderGroups(
  keyring: Keyring,
  groups: Row[][],
  mapping: Record<string, string>,
  o: ImportOptions,
  namedBefore: ReadonlySet<string>,
): PreparedOrders {
  const prepared: PreparedOrders = { parsed: [], later: [], errors: [], named: new Set(), products: [] };
  const sold: { items: Line[]; currency: string }[] = [];
  for (const rows of groups) {
    try {
      const p = parseOrderGroup(rows, mapping, o);
      const problem = invalidBuyer(keyring, p.buyer);
      if (problem) throw problem;
      if (p.isReturn || prepared.named.has(p.orderId) || namedBefore.has(p.orderId)) prepared.later.push(rows);
      else prepared.parsed.push({ rows, p });
      prepared.named.add(p.orderId);
      if (!p.isReturn) sold.push({ items: p.lines, currency: p.order.currency });
    } catch (err) {
      if (!(err instanceof RowProblem)) throw err;
      for (const row of rows) prepared.errors.push({ row: row.n, column: err.column, reason: err.message, raw: row.cells });
    }
  }
  prepared.products = productsOfOrders(sold);
  return prepared;
}

/**
 * Imports prepared order groups with a handful of statements: buyers resolved for the batch, orders upserted
 * in one statement, items replaced in two. Returns the groups that need `importOrderGroup`, one at a time:
 * those `prepareOrderGroups` set aside and orders already stored by this import (their earlier lines are kept).
 * `productIds`: the products the batch names, stored before its transaction.
 */
export async function importOrderGroups(
  trx: Db,
  keyring: Keyring,
  prepared: PreparedOrders,
  o: ImportOptions,
  out: Outcome,
  productIds: ReadonlyMap<string, number>,
): Promise<Row[][]> {
  const { parsed } = prepared;
  const later = [...prepared.later];
  out.errors.push(...prepared.errors);
  // One probe of the (channel, external id) key per order id. As a join, or with `= any(…)` or the import id
  // among the conditions, the planner trusts statistics taken before this import started and may scan the
  // channel's (or this import's) orders, which the import is filling, for every batch.
  const mine = await sql<{ external_id: string }>`
    select k.id as external_id from unnest(${parsed.map((x) => x.p.orderId)}::text[]) as k(id)
    where (select o.import_id from orders o where o.channel_id = ${o.channelId} and o.external_id = k.id) = ${o.importId}`.execute(trx);
  const storedByMe = new Set(mine.rows.map((r) => r.external_id));
  const ready = parsed.filter((x) => !storedByMe.has(x.p.orderId));
  later.push(...parsed.filter((x) => storedByMe.has(x.p.orderId)).map((x) => x.rows));
  const buyers = await resolveCustomers(
    trx,
    keyring,
    ready.map((x) => buyerRequest(x.p)),
    resolveOptions(o),
  );
  await afterResolve(
    trx,
    ready.map((x, i) => ({ row: x.rows[0], result: buyers[i] })),
    o,
    out,
  );
  const stored = await upsertOrders(
    trx,
    ready.map((x, i) => ({ ...x.p.order, customerId: buyers[i].customerId, shippingAddressId: buyers[i].addressId, items: x.p.lines })),
    productIds,
  );
  ready.forEach((x, i) => {
    if (buyers[i].created) out.records.push({ entity: 'customer', id: buyers[i].customerId });
    if (stored[i].created) out.created += x.rows.length;
    else out.updated += x.rows.length;
  });
  return later;
}

/**
 * The rows of one order, on their own. A return is refunded on the buyer's latest earlier order of
 * that SKU; an order this import already stored keeps the lines it has (rows of one order far apart).
 * `productIds`: the products the batch names, stored before its transaction.
 */
export async function importOrderGroup(
  trx: Db,
  keyring: Keyring,
  rows: Row[],
  mapping: Record<string, string>,
  o: ImportOptions,
  out: Outcome,
  productIds: ReadonlyMap<string, number>,
) {
  const p = parseOrderGroup(rows, mapping, o);
  const buyer = await resolveCustomer(trx, keyring, { ...buyerRequest(p), ...resolveOptions(o) });
  if (buyer.rejected.length === p.buyer.length) throw new RowProblem(null, reasons(buyer.rejected));
  await afterResolve(trx, [{ row: rows[0], result: buyer }], o, out);
  if (buyer.created) out.records.push({ entity: 'customer', id: buyer.customerId });
  if (p.isReturn) {
    for (const l of p.lines) {
      const original = await trx
        .selectFrom('orders')
        .innerJoin('order_items', 'order_items.order_id', 'orders.id')
        .select(['orders.id', 'orders.external_id'])
        .where('orders.customer_id', '=', buyer.customerId)
        .where('orders.channel_id', '=', o.channelId)
        .where('order_items.sku', '=', l.sku)
        .where('orders.placed_at', '<=', p.placedAt)
        .orderBy('orders.placed_at', 'desc')
        .executeTakeFirst();
      const amount = Math.abs(l.quantity) * l.unitPrice;
      if (!original) {
        // The sale predates the file: still a refund the buyer received, kept against them.
        const refundId = `${p.orderId}:${l.sku}`;
        const created = await recordUnlinkedRefund(trx, {
          customerId: buyer.customerId,
          channelId: o.channelId,
          refundId,
          amount,
          currency: p.order.currency,
          source: `import:${o.importId}`,
          refundedAt: p.placedAt,
        });
        if (created) out.unlinkedReturns = (out.unlinkedReturns ?? 0) + 1;
        continue;
      }
      const refund = await recordRefund(trx, {
        channelId: o.channelId,
        orderExternalId: original.external_id,
        refundId: `${p.orderId}:${l.sku}`,
        amount,
        source: `import:${o.importId}`,
        refundedAt: p.placedAt,
        now: o.now,
      });
      if (refund?.created) out.records.push({ entity: 'refund', id: original.id, amount: refund.amount });
    }
    out.updated += rows.length;
    return;
  }
  const existing = await trx
    .selectFrom('orders')
    .select(['id', 'import_id'])
    .where('channel_id', '=', o.channelId)
    .where('external_id', '=', p.orderId)
    .executeTakeFirst();
  const previous = existing?.import_id === o.importId ? existing : undefined;
  const existingItems = previous
    ? await trx
        .selectFrom('order_items')
        .select(['sku', 'name', 'quantity', 'unit_price', 'product_id'])
        .where('order_id', '=', previous.id)
        .execute()
    : [];
  // The lines stored before keep their products as they are now (a later batch may have changed a price).
  const products = new Map(productIds);
  for (const i of existingItems) if (i.product_id !== null && !products.has(i.sku)) products.set(i.sku, Number(i.product_id));
  const items = [...existingItems.map((i) => ({ sku: i.sku, name: i.name, quantity: i.quantity, unitPrice: i.unit_price })), ...p.lines];
  const result = await upsertOrder(
    trx,
    {
      ...p.order,
      customerId: buyer.customerId,
      shippingAddressId: buyer.addressId,
      totalAmount: p.totalGiven
        ? p.order.totalAmount
        : Math.max(
            0,
            items.reduce((s, i) => s + i.quantity * i.unitPrice, 0),
          ),
      items,
    },
    products,
  );
  if (result.created) out.created += rows.length;
  else out.updated += rows.length;
}
