import type { Db, OrderStatus } from '../../../db/index.ts';
import type { Keyring } from '../../../platform/crypto.ts';
import { refundOrder, toMinor, upsertOrder, upsertProducts } from '../../commerce/index.ts';
import { type Identifier, normalizeExternalId, resolveCustomer } from '../../customers/index.ts';

/** One data row of a file: its 1-based row number (header excluded) and its cells by column name. */
export type Row = { n: number; cells: Record<string, string> };
export type RowError = { row: number; column: string | null; reason: string; raw: Record<string, string> };
export type Outcome = { created: number; updated: number; failed: number; errors: RowError[]; records: { entity: 'customer' | 'order' | 'product' | 'refund'; id: number; amount?: number }[] };

export type ImportOptions = {
  importId: number;
  channelId: number;
  channelCode: string;
  currency: string;
  parseDate: (t: string) => Date | null;
  /** Date-only values (birthdays): read as calendar days, never shifted by a time zone. */
  parseDay: (t: string) => string | null;
  source: string;
  now: Date;
};

export class RowProblem extends Error {
  constructor(
    readonly column: string | null,
    reason: string,
  ) {
    super(reason);
  }
}

export const emptyOutcome = (): Outcome => ({ created: 0, updated: 0, failed: 0, errors: [], records: [] });

const GENDER: Record<string, 'male' | 'female' | 'unknown'> = { male: 'male', m: 'male', 男: 'male', female: 'female', f: 'female', 女: 'female' };
const STATUS: Record<string, OrderStatus> = {
  paid: 'paid', 已付款: 'paid', 待发货: 'paid', pending: 'pending_payment', pending_payment: 'pending_payment', 待付款: 'pending_payment', 等待买家付款: 'pending_payment',
  shipped: 'shipped', 已发货: 'shipped', 卖家已发货: 'shipped', delivered: 'delivered', 已签收: 'delivered', completed: 'completed', 交易成功: 'completed', 已完成: 'completed',
  cancelled: 'cancelled', canceled: 'cancelled', 已取消: 'cancelled', 交易关闭: 'cancelled', refunded: 'refunded', 已退款: 'refunded', partially_refunded: 'partially_refunded',
};

/** A row reader bound to a mapping: `get('email')` reads the mapped column, trimmed; '' when absent. */
export const reader = (mapping: Record<string, string>) => (row: Row, target: string) => (mapping[target] ? (row.cells[mapping[target]] ?? '').trim() : '');

function number(get: (t: string) => string, target: string, column: string): number | null {
  const text = get(target).replace(/[,¥$￥\s]/g, '');
  if (!text) return null;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new RowProblem(column, `${target}: not a number (${get(target)})`);
  return n;
}

function buyerIdentifiers(get: (t: string) => string, externalTarget: string, channel: string): Identifier[] {
  const ids: Identifier[] = [];
  const ext = get(externalTarget);
  if (ext) ids.push({ kind: 'external', channel, value: normalizeExternalId(ext) });
  if (get('phone')) ids.push({ kind: 'phone', value: get('phone') });
  if (get('email')) ids.push({ kind: 'email', value: get('email') });
  return ids;
}

export async function importCustomerRow(trx: Db, keyring: Keyring, row: Row, mapping: Record<string, string>, o: ImportOptions, out: Outcome) {
  const g = reader(mapping);
  const get = (t: string) => g(row, t);
  const ids = buyerIdentifiers(get, 'external_id', o.channelCode);
  if (ids.length === 0) throw new RowProblem(null, 'no identifier: map external_id, phone or email');
  const birthday = get('birthday') ? o.parseDay(get('birthday')) : null;
  if (get('birthday') && !birthday) throw new RowProblem(mapping.birthday, `birthday: not a date (${get('birthday')})`);
  const r = await resolveCustomer(trx, keyring, {
    identifiers: ids,
    profile: {
      name: get('name') || undefined,
      gender: GENDER[get('gender').toLowerCase()],
      birthday: birthday ?? undefined,
      province: get('province') || undefined,
      city: get('city') || undefined,
      district: get('district') || undefined,
      address: get('address') || undefined,
    },
    source: o.source,
    firstChannelId: o.channelId,
    now: o.now,
  });
  if (r.rejected.length === ids.length) throw new RowProblem(mapping[r.rejected[0].identifier.kind] ?? null, r.rejected.map((x) => `${x.identifier.kind}: ${x.reason}`).join('; '));
  for (const x of r.rejected) out.errors.push({ row: row.n, column: mapping[x.identifier.kind] ?? null, reason: `${x.identifier.kind}: ${x.reason} (row imported without it)`, raw: row.cells });
  if (r.created) {
    out.created++;
    out.records.push({ entity: 'customer', id: r.customerId });
  } else out.updated++;
}

export async function importProductRow(trx: Db, row: Row, mapping: Record<string, string>, o: ImportOptions, out: Outcome) {
  const get = (t: string) => reader(mapping)(row, t);
  if (!get('sku')) throw new RowProblem(mapping.sku ?? null, 'sku is empty');
  const currency = (get('currency') || o.currency).toUpperCase();
  const price = number(get, 'price', mapping.price);
  const existed = await trx.selectFrom('products').select('id').where('sku', '=', get('sku')).executeTakeFirst();
  const ids = await upsertProducts(trx, [{ sku: get('sku'), name: get('name') || get('sku'), category: get('category'), priceAmount: toMinor(price ?? 0, currency) ?? 0, currency }]);
  if (existed) out.updated++;
  else {
    out.created++;
    out.records.push({ entity: 'product', id: ids.get(get('sku'))! });
  }
}

type Line = { sku: string; name: string; category: string | null; quantity: number; unitPrice: number };

/**
 * The rows of one order (contiguous rows sharing an order id). Negative quantities, or an id starting
 * with "C" (a cancellation invoice), are returns: refunded on the buyer's latest earlier order of that SKU.
 */
export async function importOrderGroup(trx: Db, keyring: Keyring, rows: Row[], mapping: Record<string, string>, o: ImportOptions, out: Outcome) {
  const get = (t: string) => reader(mapping)(rows[0], t);
  const orderId = normalizeExternalId(get('order_id'));
  if (!orderId) throw new RowProblem(mapping.order_id ?? null, 'order_id is empty');
  const placedAt = o.parseDate(get('placed_at'));
  if (!placedAt) throw new RowProblem(mapping.placed_at ?? null, `placed_at: not a date in the expected format (${get('placed_at') || 'empty'})`);
  const currency = (get('currency') || o.currency).toUpperCase();
  const lines: Line[] = rows.map((r) => {
    const rg = (t: string) => reader(mapping)(r, t);
    const quantity = number(rg, 'quantity', mapping.quantity) ?? 1;
    const unit = number(rg, 'unit_price', mapping.unit_price) ?? 0;
    const sku = rg('sku') || rg('product_name');
    if (!sku) throw new RowProblem(mapping.sku ?? null, 'sku and product_name are both empty');
    return { sku, name: rg('product_name') || sku, category: rg('category') || null, quantity, unitPrice: toMinor(unit, currency) ?? 0 };
  });
  const ids = buyerIdentifiers(get, 'customer_external_id', o.channelCode);
  if (ids.length === 0) throw new RowProblem(mapping.customer_external_id ?? null, 'no buyer: map customer_external_id, phone or email');
  const isReturn = lines.every((l) => l.quantity < 0) || /^C\d/i.test(orderId);
  const buyer = await resolveCustomer(trx, keyring, { identifiers: ids, profile: { name: get('name') || undefined }, source: o.source, firstChannelId: o.channelId, now: o.now });
  if (buyer.rejected.length === ids.length) throw new RowProblem(null, buyer.rejected.map((x) => `${x.identifier.kind}: ${x.reason}`).join('; '));
  if (buyer.created) out.records.push({ entity: 'customer', id: buyer.customerId });
  if (isReturn) {
    for (const l of lines) {
      const original = await trx
        .selectFrom('orders')
        .innerJoin('order_items', 'order_items.order_id', 'orders.id')
        .select(['orders.id', 'orders.external_id'])
        .where('orders.customer_id', '=', buyer.customerId)
        .where('orders.channel_id', '=', o.channelId)
        .where('order_items.sku', '=', l.sku)
        .where('orders.placed_at', '<=', placedAt)
        .orderBy('orders.placed_at', 'desc')
        .executeTakeFirst();
      if (!original) throw new RowProblem(mapping.sku ?? null, `return of ${l.sku} without an earlier purchase by this buyer`);
      const amount = Math.abs(l.quantity) * l.unitPrice;
      await refundOrder(trx, { channelId: o.channelId, externalId: original.external_id, amount, now: o.now });
      out.records.push({ entity: 'refund', id: original.id, amount });
    }
    out.updated += rows.length;
    return;
  }
  const subtotal = lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0);
  const total = number(get, 'total', mapping.total);
  const status = STATUS[get('status').toLowerCase()] ?? STATUS[get('status')] ?? 'paid';
  if (get('status') && !STATUS[get('status').toLowerCase()] && !STATUS[get('status')]) throw new RowProblem(mapping.status, `status: unknown value ${get('status')}`);
  const paidAt = get('paid_at') ? o.parseDate(get('paid_at')) : null;
  // Lines of an order that this import already stored (rows of one order far apart in the file) are kept.
  const existing = await trx.selectFrom('orders').select('id').where('channel_id', '=', o.channelId).where('external_id', '=', orderId).executeTakeFirst();
  const previous = existing
    ? await trx.selectFrom('import_records').select('entity_id as id').where('import_id', '=', o.importId).where('entity', '=', 'order').where('entity_id', '=', existing.id).executeTakeFirst()
    : undefined;
  const existingItems = previous ? await trx.selectFrom('order_items').select(['sku', 'name', 'quantity', 'unit_price']).where('order_id', '=', previous.id).execute() : [];
  const items = [...existingItems.map((i) => ({ sku: i.sku, name: i.name, quantity: i.quantity, unitPrice: i.unit_price })), ...lines];
  const result = await upsertOrder(trx, {
    customerId: buyer.customerId,
    channelId: o.channelId,
    externalId: orderId,
    status,
    currency,
    totalAmount: Math.max(0, total !== null ? (toMinor(total, currency) ?? 0) : subtotal + existingItems.reduce((s, i) => s + i.quantity * i.unit_price, 0)),
    discountAmount: toMinor(number(get, 'discount', mapping.discount) ?? 0, currency) ?? 0,
    shippingAmount: toMinor(number(get, 'shipping', mapping.shipping) ?? 0, currency) ?? 0,
    couponCodes: get('coupon') ? [get('coupon')] : [],
    placedAt,
    paidAt,
    items,
    authoritative: true,
    now: o.now,
  });
  if (result.created) {
    out.created += rows.length;
    out.records.push({ entity: 'order', id: result.orderId });
  } else out.updated += rows.length;
}
