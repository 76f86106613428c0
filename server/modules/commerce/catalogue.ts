import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { emitWhenWanted } from '../../events/index.ts';
import { type NewProduct, upsertProducts } from './commerce.bulk.ts';

/**
 * A product as the catalogue tells it: order lines tell names and prices; the catalogue also stock and the platform's
 * id. `stock`: the quantity on hand (null or absent: not told); `inStock`: told only whether it can be bought (a shop
 * that does not count its stock) — false is 0, true is "some" (stored as null: a quantity not known).
 */
export type CatalogueProduct = NewProduct & { stock?: number | null; inStock?: boolean; externalId?: string | null };

/** The stock a product is told to have now: a quantity, null for "some" (a quantity not known), undefined if not told. */
function toldStock(p: CatalogueProduct): number | null | undefined {
  if (p.stock != null) return p.stock;
  if (p.inStock === undefined) return undefined;
  return p.inStock ? null : 0;
}

/**
 * Creates or refreshes products from the catalogue (the product API, a product CSV, a platform's product webhook) —
 * never from order lines, whose price is what one buyer paid. A price lower than before and stock from 0 to more are
 * recorded in `product_changes` and announced as `product.price_dropped` / `product.back_in_stock` (when something
 * subscribes: the journeys that tell the people who looked at the product). Returns SKU → id and how many changed.
 */
export async function updateCatalogue(db: Db, products: readonly CatalogueProduct[], now: Date) {
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const skus = [...bySku.keys()].sort();
  if (skus.length === 0) return { ids: new Map<string, number>(), changes: 0 };
  // Locked in SKU order (as upsertProducts locks): the old values compared are the ones replaced.
  const before = await db
    .selectFrom('products')
    .select(['id', 'sku', 'price_amount', 'stock', 'external_id'])
    .where('sku', 'in', skus)
    .orderBy('sku')
    .forUpdate()
    .execute();
  const ids = await upsertProducts(db, [...bySku.values()]);
  const told = [...bySku.values()].filter((p) => toldStock(p) !== undefined || p.externalId != null);
  if (told.length > 0)
    await sql`update products p set stock = case when u.stock_told then u.stock else p.stock end,
        external_id = coalesce(u.external_id, p.external_id), updated_at = ${now}
      from unnest(${told.map((p) => p.sku)}::text[], ${told.map((p) => toldStock(p) !== undefined)}::boolean[],
        ${told.map((p) => toldStock(p) ?? null)}::int[], ${told.map((p) => p.externalId ?? null)}::text[]) as u(sku, stock_told, stock, external_id)
      where p.sku = u.sku
        and (p.stock, p.external_id) is distinct from (case when u.stock_told then u.stock else p.stock end, coalesce(u.external_id, p.external_id))`.execute(
      db,
    );
  let changes = 0;
  for (const old of before) {
    const p = bySku.get(old.sku)!;
    const stock = toldStock(p);
    // A price of 0 is a product not priced yet (a draft on the platform), not a 100% drop.
    const dropped = p.priceAmount > 0 && p.priceAmount < old.price_amount;
    // Out of stock (0) to some: a counted quantity above 0, or "in stock" from a shop that does not count.
    const restocked = old.stock !== null && old.stock <= 0 && (stock === null || (stock !== undefined && stock > 0));
    for (const kind of [dropped && 'price_dropped', restocked && 'back_in_stock'] as const) {
      if (!kind) continue;
      const change = await db
        .insertInto('product_changes')
        .values({
          product_id: old.id,
          kind,
          from_value: kind === 'price_dropped' ? old.price_amount : old.stock,
          // A restock of an uncounted quantity is recorded as 1 (some).
          to_value: kind === 'price_dropped' ? p.priceAmount : (stock ?? 1),
          at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      changes++;
      await emitWhenWanted(db, {
        type: kind === 'price_dropped' ? 'product.price_dropped' : 'product.back_in_stock',
        key: `product.${kind}:${change.id}`,
        customerId: null,
        payload: {
          productId: Number(old.id),
          sku: p.sku,
          externalId: p.externalId ?? old.external_id,
          name: p.name,
          currency: p.currency,
          price: p.priceAmount,
          previousPrice: old.price_amount,
          stock: stock === undefined ? old.stock : stock,
        },
        occurredAt: now,
      });
    }
  }
  return { ids, changes };
}
