import { sql } from 'kysely';
import type { Db } from '../../../db/index.ts';
import type { Actor } from '../../../http/principal.ts';
import { type CustomerData, customerColumns } from '../../../platform/registry.ts';
import { recordAudit } from '../../audit/index.ts';
import { removeImportedCommerce, removeUnusedProducts } from '../../commerce/index.ts';
import { deleteCustomers, restoreBeforeImages } from '../../customers/index.ts';
import { forgetIdentitiesFrom } from '../../identity/index.ts';
import { removeImportedEvents } from '../../events/index.ts';
import { VACUUM_FROM, importErrors, vacuumTables } from './import.service.ts';

export type UndoResult = { orders: number; refunds: number; events: number; customers: number; products: number; keptCustomers: number };

/**
 * Undoes an import: refunds it applied are reversed, orders and events it created are deleted, and customers and
 * products it created are deleted unless something else has since attached to them (by the modules' declarations:
 * an order or event from another source, a tag, a note, a consent, a privacy request, a merge, a static segment).
 * What the import itself left on a person it created goes with them (declared `follows`: identities, addresses,
 * quarantined values, duplicate suggestions, activity; dynamic segment membership). Existing customers get back every profile field and
 * attribute it changed (from the before-image it kept of each) and lose the identifiers it added to them. Set-based throughout: an import of a million lines names hundreds of thousands of rows, more than
 * one statement can bind as parameters.
 */
export type UndoImportOptions = {
  id: number;
  actor: Actor;
  now: Date;
  /** Every module's customer data: what keeps a person the import created, and what goes with them. */
  data: readonly CustomerData[];
  /** Rows removed from which it ends with `vacuum analyze` (default 50,000). */
  vacuumFrom?: number;
};

export async function undoImport(db: Db, opts: UndoImportOptions): Promise<UndoResult> {
  const { kind, result } = await removeImported(db, opts);
  // As after the import itself: the removed rows leave pages that are not all-visible and statistics of a larger table.
  if (result.orders + result.events + result.customers >= (opts.vacuumFrom ?? VACUUM_FROM)) await vacuumTables(db, kind);
  return result;
}

async function removeImported(db: Db, opts: UndoImportOptions) {
  return db.transaction().execute(async (trx) => {
    const imp = await trx.selectFrom('imports').select(['id', 'status', 'kind']).where('id', '=', opts.id).forUpdate().executeTakeFirst();
    if (!imp) throw importErrors.notFound(opts.id);
    if (imp.status === 'undone') throw importErrors.notUndoable(opts.id, imp.status);
    const id = opts.id;
    const recorded = (entity: 'customer' | 'product' | 'refund') =>
      sql`select entity_id, amount from import_records where import_id = ${id} and entity = ${entity}`;
    // One record per refunded order, with the amount this import refunded on it.
    const { orders, refunds } = await removeImportedCommerce(trx, { importId: id, refunds: recorded('refund'), now: opts.now });
    const events = await removeImportedEvents(trx, id);
    const created = Number((await sql<{ n: number }>`select count(*)::int as n from (${recorded('customer')}) r`.execute(trx)).rows[0].n);
    // Whatever else has since attached to a person it created keeps them (every module's declared customer data).
    const attached = opts.data.flatMap((d) => {
      const rule = d.undo ?? 'attaches';
      const when = rule === 'attaches' ? sql`true` : typeof rule === 'object' && rule.attachesWhen ? rule.attachesWhen : null;
      return when
        ? customerColumns(d).map(
            (col) => sql`exists (select 1 from ${sql.table(d.table)} t where t.${sql.ref(col)} = r.entity_id and ${when})`,
          )
        : [];
    });
    await sql`
      create temp table undone_customers on commit drop as
      select r.entity_id as id from (${recorded('customer')}) r
      where not (${sql.join(attached, sql` or `)})`.execute(trx);
    // The people it did not create get back every profile field it changed, and lose the identifiers it gave them.
    await restoreBeforeImages(trx, sql`select customer_id, fields from import_before_images where import_id = ${id}`);
    await forgetIdentitiesFrom(trx, {
      source: `import:${id}`,
      except: sql`select entity_id from import_records where import_id = ${id} and entity = 'customer'`,
    });
    const undone = sql`select id from undone_customers`;
    for (const d of opts.data) {
      const rule = d.undo ?? 'attaches';
      if (typeof rule === 'object' && rule.remove) await rule.remove(trx, { undone, now: opts.now });
      if (rule !== 'follows') continue;
      for (const col of customerColumns(d)) await sql`delete from ${sql.table(d.table)} where ${sql.ref(col)} in (${undone})`.execute(trx);
    }
    const customers = await deleteCustomers(trx, undone);
    const products = await removeUnusedProducts(
      trx,
      sql`select entity_id from import_records where import_id = ${id} and entity = 'product'`,
    );
    await trx.updateTable('imports').set({ status: 'undone', undone_at: opts.now }).where('id', '=', id).execute();
    const result = { orders, refunds, events, customers, products, keptCustomers: created - customers };
    await recordAudit(trx, { actor: opts.actor, action: 'import.undo', target: { type: 'import', id }, details: result });
    return { kind: imp.kind, result };
  });
}
