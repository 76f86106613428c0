import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/index.ts';

const count = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);

export type RemoveImportedOptions = {
  importId: number;
  /** The refunds the import applied: `entity_id` (an order) and `amount` per row. */
  refunds: RawBuilder<unknown>;
  now: Date;
};

/**
 * Undoes what an import did to commerce: the refunds it applied are reversed on their orders (the status goes back
 * to what the timestamps say), its refunds of purchases before the file are deleted, and the orders it created go
 * with their lines. Set-based: one statement per table whatever the import's size.
 */
export async function removeImportedCommerce(trx: Db, opts: RemoveImportedOptions): Promise<{ orders: number; refunds: number }> {
  const source = `import:${opts.importId}`;
  const reversed = count(
    await sql`
      with r as (${opts.refunds}),
      gone as (delete from refunds f using r where f.order_id = r.entity_id and f.source = ${source})
      update orders o set refunded_amount = greatest(0, o.refunded_amount - r.amount),
        status = case when greatest(0, o.refunded_amount - r.amount) = 0
                      then (case when o.completed_at is not null then 'completed' when o.paid_at is not null then 'paid' else o.status end)
                      else 'partially_refunded' end,
        updated_at = ${opts.now}
      from r where o.id = r.entity_id`.execute(trx),
  );
  await sql`delete from order_items i using orders o where o.import_id = ${opts.importId} and i.order_id = o.id`.execute(trx);
  const orders = count(await sql`delete from orders where import_id = ${opts.importId}`.execute(trx));
  const unlinked = count(await sql`delete from refunds where order_id is null and source = ${source}`.execute(trx));
  return { orders, refunds: reversed + unlinked };
}

/** Products among `ids` that no order line names any more are deleted; returns how many. */
export async function removeUnusedProducts(trx: Db, ids: RawBuilder<unknown>): Promise<number> {
  return count(
    await sql`delete from products p where p.id in (${ids}) and not exists (select 1 from order_items i where i.product_id = p.id)`.execute(
      trx,
    ),
  );
}
