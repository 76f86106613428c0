import { sql } from 'kysely';
import type { Db, OrderStatus } from '../../db/index.ts';
import { type OrderUpsert, upsertOrders } from './commerce.bulk.ts';

/**
 * Creates or updates one order by (channel, external id) inside the caller's transaction; items are
 * replaced when given. Products named by the items are created or refreshed by SKU. Idempotent.
 */
export async function upsertOrder(
  trx: Db,
  o: OrderUpsert,
  productIds?: ReadonlyMap<string, number>,
): Promise<{ orderId: number; created: boolean }> {
  const [result] = await upsertOrders(trx, [o], productIds);
  return result;
}

export type RefundInput = {
  channelId: number;
  orderExternalId: string;
  /** The source's id of this refund (Shopify refund id, tracking message id, return invoice + SKU). */
  refundId: string;
  /** Minor units; the rest of the order when absent (a full refund). */
  amount?: number;
  reason?: string | null;
  source: string;
  refundedAt: Date;
  now: Date;
};

/**
 * Records one refund by its id: the same refund twice changes nothing. A new refund adds to the order's
 * refunded amount (capped at its total) and the order becomes refunded or partially refunded. Null when
 * the order is unknown.
 */
export async function recordRefund(trx: Db, r: RefundInput): Promise<{ orderId: number; amount: number; created: boolean } | null> {
  const order = await trx
    .selectFrom('orders')
    .select(['id', 'customer_id', 'currency', 'total_amount', 'refunded_amount'])
    .where('channel_id', '=', r.channelId)
    .where('external_id', '=', r.orderExternalId)
    .forUpdate()
    .executeTakeFirst();
  if (!order) return null;
  const amount = Math.max(0, Math.min(r.amount ?? order.total_amount - order.refunded_amount, order.total_amount));
  const inserted = await trx
    .insertInto('refunds')
    .values({
      order_id: order.id,
      customer_id: order.customer_id,
      external_id: r.refundId,
      amount,
      currency: order.currency,
      reason: r.reason ?? null,
      source: r.source,
      refunded_at: r.refundedAt,
    })
    .onConflict((oc) => oc.columns(['order_id', 'external_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { orderId: order.id, amount: 0, created: false };
  if (amount > 0) {
    const refunded = sql<number>`least(total_amount, refunded_amount + ${amount})`;
    await trx
      .updateTable('orders')
      .set({
        refunded_amount: refunded,
        status: sql`case when ${refunded} >= total_amount then 'refunded' else 'partially_refunded' end`,
        updated_at: r.now,
      })
      .where('id', '=', order.id)
      .execute();
  }
  return { orderId: order.id, amount, created: true };
}

export type UnlinkedRefundInput = {
  customerId: number;
  channelId: number;
  refundId: string;
  amount: number;
  currency: string;
  source: string;
  refundedAt: Date;
};

/**
 * Records a refund of a purchase Patron never saw (a return whose sale predates the data) against the buyer, once
 * per (buyer, refund id). Metrics deduct it from the buyer's net spend. False when it was already recorded.
 */
export async function recordUnlinkedRefund(trx: Db, r: UnlinkedRefundInput): Promise<boolean> {
  const inserted = await sql<{ id: number }>`
    insert into refunds (order_id, channel_id, customer_id, external_id, amount, currency, source, refunded_at)
    values (null, ${r.channelId}, ${r.customerId}, ${r.refundId}, ${Math.max(0, r.amount)}, ${r.currency}, ${r.source}, ${r.refundedAt})
    on conflict (customer_id, external_id) where order_id is null do nothing
    returning id`.execute(trx);
  return inserted.rows.length > 0;
}

export async function setOrderStatus(
  trx: Db,
  s: { channelId: number; externalId: string; status: OrderStatus; now: Date },
): Promise<boolean> {
  const result = await trx
    .updateTable('orders')
    .set({ status: s.status, updated_at: s.now, ...(s.status === 'cancelled' ? { cancelled_at: s.now } : {}) })
    .where('channel_id', '=', s.channelId)
    .where('external_id', '=', s.externalId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The channel with this code, created on first use (e.g. the channel of a tracking source). */
export async function ensureChannel(
  trx: Db,
  c: { code: string; name: string; kind: 'marketplace' | 'social' | 'offline' | 'web'; platform: string },
): Promise<number> {
  await trx
    .insertInto('channels')
    .values(c)
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  const row = await trx.selectFrom('channels').select('id').where('code', '=', c.code).executeTakeFirstOrThrow();
  return row.id;
}
