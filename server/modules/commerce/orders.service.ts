import { sql } from 'kysely';
import type { Db, OrderStatus } from '../../db/index.ts';
import { type OrderUpsert, upsertOrders } from './commerce.bulk.ts';

/**
 * Creates or updates one order by (channel, external id) inside the caller's transaction; items are
 * replaced when given. Products named by the items are created or refreshed by SKU. Idempotent.
 */
export async function upsertOrder(trx: Db, o: OrderUpsert): Promise<{ orderId: number; created: boolean }> {
  const [result] = await upsertOrders(trx, [o]);
  return result;
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
