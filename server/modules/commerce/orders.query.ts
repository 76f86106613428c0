import { sql } from 'kysely';
import type { z } from 'zod';
import type { orderDetail, orderListQuery, orderSummary } from '../../../contracts/orders.ts';
import type { Db } from '../../db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { customerNames } from '../customers/index.ts';

export const orderErrors = {
  notFound: (id: number) => new AppError('ORDER_NOT_FOUND', 'not_found', `Order ${id} does not exist.`),
  badCursor: () => new AppError('INVALID_CURSOR', 'invalid', 'The cursor is not one this API returned.'),
};

type OrderListQuery = z.infer<typeof orderListQuery>;
type Summary = z.infer<typeof orderSummary>;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const encodeCursor = (placedAt: Date, id: number) => Buffer.from(`${placedAt.toISOString()}|${id}`).toString('base64url');
function decodeCursor(cursor: string): { placedAt: Date; id: number } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const placedAt = new Date(at ?? '');
  if (Number.isNaN(placedAt.getTime()) || !/^\d+$/.test(id ?? '')) throw orderErrors.badCursor();
  return { placedAt, id: Number(id) };
}

function baseQuery(db: Db) {
  return db
    .selectFrom('orders as o')
    .innerJoin('channels as ch', 'ch.id', 'o.channel_id')
    .select((eb) => [
      'o.id',
      'o.external_id',
      'o.status',
      'o.currency',
      'o.total_amount',
      'o.refunded_amount',
      'o.placed_at',
      'o.paid_at',
      'o.customer_id',
      'ch.code as channel_code',
      'ch.name as channel_name',
      eb.selectFrom('order_items as i').select(sql<number>`count(*)::int`.as('n')).whereRef('i.order_id', '=', 'o.id').as('item_count'),
      eb
        .selectFrom('shipments as s')
        .select(sql<string[]>`coalesce(array_agg(s.tracking_number order by s.id), '{}')`.as('t'))
        .whereRef('s.order_id', '=', 'o.id')
        .as('tracking'),
    ]);
}
type BaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

function summaryOf(r: BaseRow, names: Map<number, string | null>): Summary {
  return {
    id: Number(r.id),
    externalId: r.external_id,
    channel: { code: r.channel_code, name: r.channel_name },
    status: r.status,
    currency: r.currency,
    totalAmount: r.total_amount,
    refundedAmount: r.refunded_amount,
    placedAt: r.placed_at.toISOString(),
    paidAt: iso(r.paid_at),
    customer: { id: Number(r.customer_id), name: names.get(Number(r.customer_id)) ?? null },
    items: r.item_count ?? 0,
    trackingNumbers: r.tracking ?? [],
  };
}

/**
 * Orders of every channel, newest first (keyset pages), searched by order number (prefix) or tracking number and
 * filtered by status, channel, day placed (store time zone), amount and buyer.
 */
export async function listOrders(db: Db, q: OrderListQuery, timeZone: string) {
  let query = baseQuery(db);
  if (q.q) {
    const term = q.q;
    query = query.where((eb) =>
      eb.or([
        eb('o.external_id', 'like', `${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
        eb.exists(eb.selectFrom('shipments as s').select('s.id').whereRef('s.order_id', '=', 'o.id').where('s.tracking_number', '=', term)),
      ]),
    );
  }
  const statuses = q.status === undefined ? [] : Array.isArray(q.status) ? q.status : [q.status];
  if (statuses.length > 0) query = query.where('o.status', 'in', statuses);
  if (q.channel) query = query.where('ch.code', '=', q.channel);
  if (q.from) query = query.where('o.placed_at', '>=', sql<Date>`(${q.from}::date::timestamp at time zone ${timeZone})`);
  if (q.to) query = query.where('o.placed_at', '<', sql<Date>`((${q.to}::date + 1)::timestamp at time zone ${timeZone})`);
  if (q.minAmount !== undefined) query = query.where('o.total_amount', '>=', q.minAmount);
  if (q.maxAmount !== undefined) query = query.where('o.total_amount', '<=', q.maxAmount);
  if (q.customerId) query = query.where('o.customer_id', '=', q.customerId);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    query = query.where(sql<boolean>`(o.placed_at, o.id) < (${c.placedAt}, ${c.id})`);
  }
  const rows = await query
    .orderBy('o.placed_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(q.limit + 1)
    .execute();
  const page = rows.slice(0, q.limit);
  const names = await customerNames(
    db,
    page.map((r) => Number(r.customer_id)),
  );
  const last = page[page.length - 1];
  return {
    items: page.map((r) => summaryOf(r, names)),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.placed_at, Number(last.id)) : null,
  };
}

/** One order with its lines, payments and lifecycle times, refunds and parcels. */
export async function getOrder(db: Db, id: number): Promise<z.infer<typeof orderDetail>> {
  const row = await baseQuery(db)
    .select([
      'o.discount_amount',
      'o.shipping_amount',
      'o.coupon_codes',
      'o.shipped_at',
      'o.delivered_at',
      'o.completed_at',
      'o.cancelled_at',
    ])
    .where('o.id', '=', id)
    .executeTakeFirst();
  if (!row) throw orderErrors.notFound(id);
  const [lines, refunds, parcels, names] = await Promise.all([
    db
      .selectFrom('order_items')
      .select(['sku', 'name', 'quantity', 'unit_price', 'amount'])
      .where('order_id', '=', id)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('refunds')
      .select(['id', 'external_id', 'amount', 'reason', 'source', 'refunded_at'])
      .where('order_id', '=', id)
      .orderBy('refunded_at')
      .execute(),
    db.selectFrom('shipments').selectAll().where('order_id', '=', id).orderBy('id').execute(),
    customerNames(db, [Number(row.customer_id)]),
  ]);
  return {
    ...summaryOf(row, names),
    discountAmount: row.discount_amount,
    shippingAmount: row.shipping_amount,
    couponCodes: row.coupon_codes,
    shippedAt: iso(row.shipped_at),
    deliveredAt: iso(row.delivered_at),
    completedAt: iso(row.completed_at),
    cancelledAt: iso(row.cancelled_at),
    lines: lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unit_price, amount: l.amount })),
    refunds: refunds.map((r) => ({
      id: Number(r.id),
      externalId: r.external_id,
      amount: r.amount,
      reason: r.reason,
      source: r.source,
      refundedAt: r.refunded_at.toISOString(),
    })),
    shipments: parcels.map((s) => ({
      id: Number(s.id),
      carrier: s.carrier,
      trackingNumber: s.tracking_number,
      status: s.status,
      source: s.source,
      shippedAt: iso(s.shipped_at),
      deliveredAt: iso(s.delivered_at),
      updatedAt: s.updated_at.toISOString(),
    })),
  };
}
