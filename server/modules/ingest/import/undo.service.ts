import { sql } from 'kysely';
import type { Db } from '../../../db/index.ts';
import type { Actor } from '../../../http/principal.ts';
import { recordAudit } from '../../audit/index.ts';
import { importErrors } from './import.service.ts';

export type UndoResult = { orders: number; refunds: number; events: number; customers: number; products: number; keptCustomers: number };

/**
 * Undoes an import: refunds it applied are reversed, orders and events it created are deleted, and customers and
 * products it created are deleted unless something else (another import, a webhook, the tracking API)
 * has since attached to them. Profile fields it updated on existing customers are not rolled back.
 */
export async function undoImport(db: Db, opts: { id: number; actor: Actor; now: Date }): Promise<UndoResult> {
  return db.transaction().execute(async (trx) => {
    const imp = await trx.selectFrom('imports').select(['id', 'status']).where('id', '=', opts.id).forUpdate().executeTakeFirst();
    if (!imp) throw importErrors.notFound(opts.id);
    if (imp.status !== 'completed' && imp.status !== 'failed' && imp.status !== 'running') throw importErrors.notUndoable(opts.id, imp.status);
    const records = (entity: 'customer' | 'product' | 'refund') => trx.selectFrom('import_records').select(['entity_id', 'amount']).where('import_id', '=', opts.id).where('entity', '=', entity).execute();
    const refunds = await records('refund');
    if (refunds.length > 0) {
      await trx.deleteFrom('refunds').where('source', '=', `import:${opts.id}`).where('order_id', 'in', refunds.map((r) => r.entity_id)).execute();
    }
    for (const r of refunds) {
      await sql`update orders set refunded_amount = greatest(0, refunded_amount - ${r.amount}),
        status = case when greatest(0, refunded_amount - ${r.amount}) = 0 then (case when completed_at is not null then 'completed' when paid_at is not null then 'paid' else status end)
                      else 'partially_refunded' end, updated_at = ${opts.now}
        where id = ${r.entity_id}`.execute(trx);
    }
    const orderIds = (await trx.selectFrom('orders').select('id').where('import_id', '=', opts.id).execute()).map((r) => r.id);
    if (orderIds.length > 0) {
      await trx.deleteFrom('order_items').where('order_id', 'in', orderIds).execute();
      await trx.deleteFrom('orders').where('id', 'in', orderIds).execute();
    }
    const events = Number((await trx.deleteFrom('events').where('import_id', '=', opts.id).executeTakeFirst()).numDeletedRows);
    const customerIds = (await records('customer')).map((r) => r.entity_id);
    let removable: number[] = [];
    if (customerIds.length > 0) {
      const attached = await trx.selectFrom('orders').select('customer_id').distinct().where('customer_id', 'in', customerIds).execute();
      const withEvents = await trx.selectFrom('events').select('customer_id').distinct().where('customer_id', 'in', customerIds).execute();
      const keep = new Set([...attached, ...withEvents].map((r) => r.customer_id));
      removable = customerIds.filter((id) => !keep.has(id));
      if (removable.length > 0) {
        await trx.deleteFrom('customer_identities').where('customer_id', 'in', removable).execute();
        await trx.deleteFrom('customers').where('id', 'in', removable).execute();
      }
    }
    const productIds = (await records('product')).map((r) => r.entity_id);
    let products = 0;
    if (productIds.length > 0) {
      const used = new Set((await trx.selectFrom('order_items').select('product_id').distinct().where('product_id', 'in', productIds).execute()).map((r) => r.product_id));
      const free = productIds.filter((id) => !used.has(id));
      if (free.length > 0) products = Number((await trx.deleteFrom('products').where('id', 'in', free).executeTakeFirst()).numDeletedRows);
    }
    await trx.updateTable('imports').set({ status: 'undone', undone_at: opts.now }).where('id', '=', opts.id).execute();
    const result = { orders: orderIds.length, refunds: refunds.length, events, customers: removable.length, products, keptCustomers: customerIds.length - removable.length };
    await recordAudit(trx, { actor: opts.actor, action: 'import.undo', target: { type: 'import', id: opts.id }, details: result });
    return result;
  });
}
