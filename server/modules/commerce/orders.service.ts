import { sql } from 'kysely';
import type { Db, OrderStatus } from '../../db/index.ts';
import { upsertProducts } from './commerce.bulk.ts';

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
  items?: OrderLine[];
  /** The source states the order's current status (platform webhooks); else status is set only on creation. */
  authoritative?: boolean;
  now: Date;
};

const paidLike = new Set<OrderStatus>(['paid', 'shipped', 'delivered', 'completed', 'refunded', 'partially_refunded']);

/**
 * Creates or updates one order by (channel, external id) inside the caller's transaction; items are
 * replaced when given. Products named by the items are created or refreshed by SKU. Idempotent.
 */
export async function upsertOrder(trx: Db, o: OrderUpsert): Promise<{ orderId: number; created: boolean }> {
  const paidAt = o.paidAt ?? (paidLike.has(o.status) ? o.placedAt : null);
  const row = await trx
    .insertInto('orders')
    .values({
      customer_id: o.customerId,
      channel_id: o.channelId,
      external_id: o.externalId,
      status: o.status,
      currency: o.currency,
      total_amount: o.totalAmount,
      discount_amount: o.discountAmount ?? 0,
      shipping_amount: o.shippingAmount ?? 0,
      refunded_amount: o.refundedAmount ?? 0,
      coupon_codes: o.couponCodes ?? [],
      placed_at: o.placedAt,
      paid_at: paidAt,
      shipped_at: o.shippedAt ?? null,
      delivered_at: o.deliveredAt ?? null,
      completed_at: o.completedAt ?? null,
      cancelled_at: o.cancelledAt ?? (o.status === 'cancelled' ? o.now : null),
      updated_at: o.now,
    })
    .onConflict((oc) =>
      oc.columns(['channel_id', 'external_id']).doUpdateSet((eb) => ({
        total_amount: eb.ref('excluded.total_amount'),
        discount_amount: eb.ref('excluded.discount_amount'),
        shipping_amount: eb.ref('excluded.shipping_amount'),
        coupon_codes: eb.ref('excluded.coupon_codes'),
        currency: eb.ref('excluded.currency'),
        paid_at: sql`coalesce(orders.paid_at, excluded.paid_at)`,
        updated_at: eb.ref('excluded.updated_at'),
        ...(o.authoritative
          ? {
              status: eb.ref('excluded.status'),
              refunded_amount: sql`greatest(orders.refunded_amount, excluded.refunded_amount)`,
              shipped_at: sql`coalesce(orders.shipped_at, excluded.shipped_at)`,
              delivered_at: sql`coalesce(orders.delivered_at, excluded.delivered_at)`,
              completed_at: sql`coalesce(orders.completed_at, excluded.completed_at)`,
              cancelled_at: sql`coalesce(orders.cancelled_at, excluded.cancelled_at)`,
            }
          : {}),
      })),
    )
    .returning(['id', sql<boolean>`(xmax = 0)`.as('inserted')])
    .executeTakeFirstOrThrow();
  if (o.items && o.items.length > 0) {
    const products = await upsertProducts(
      trx,
      o.items.map((i) => ({ sku: i.sku, name: i.name, category: i.category ?? '', priceAmount: i.unitPrice, currency: o.currency })),
    );
    await trx.deleteFrom('order_items').where('order_id', '=', row.id).execute();
    await trx
      .insertInto('order_items')
      .values(
        o.items.map((i) => ({
          order_id: row.id,
          customer_id: o.customerId,
          product_id: products.get(i.sku) ?? null,
          sku: i.sku,
          name: i.name,
          quantity: i.quantity,
          unit_price: i.unitPrice,
          amount: i.unitPrice * i.quantity,
        })),
      )
      .execute();
  }
  return { orderId: row.id, created: row.inserted };
}

/** Records a refund (full when no amount is given); the order becomes refunded or partially refunded. */
export async function refundOrder(trx: Db, r: { channelId: number; externalId: string; amount?: number; now: Date }): Promise<boolean> {
  const result = await trx
    .updateTable('orders')
    .set((eb) => {
      const refunded = r.amount === undefined ? eb.ref('total_amount') : sql<number>`least(total_amount, refunded_amount + ${r.amount})`;
      return {
        refunded_amount: refunded,
        status: sql`case when ${refunded} >= total_amount then 'refunded' else 'partially_refunded' end`,
        updated_at: r.now,
      };
    })
    .where('channel_id', '=', r.channelId)
    .where('external_id', '=', r.externalId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setOrderStatus(trx: Db, s: { channelId: number; externalId: string; status: OrderStatus; now: Date }): Promise<boolean> {
  const result = await trx
    .updateTable('orders')
    .set({ status: s.status, updated_at: s.now, ...(s.status === 'cancelled' ? { cancelled_at: s.now } : {}) })
    .where('channel_id', '=', s.channelId)
    .where('external_id', '=', s.externalId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The channel with this code, created on first use (e.g. the channel of a tracking source). */
export async function ensureChannel(trx: Db, c: { code: string; name: string; kind: 'marketplace' | 'social' | 'offline' | 'web'; platform: string }): Promise<number> {
  await trx.insertInto('channels').values(c).onConflict((oc) => oc.column('code').doNothing()).execute();
  const row = await trx.selectFrom('channels').select('id').where('code', '=', c.code).executeTakeFirstOrThrow();
  return row.id;
}
