import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { emitWhenWanted } from '../../events/index.ts';
import { type NewProduct, upsertProducts } from './commerce.bulk.ts';

/** A product as the catalogue tells it: order lines tell names and prices; the catalogue also stock and the platform's id. */
export type CatalogueProduct = NewProduct & { stock?: number | null; externalId?: string | null };

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
  const told = [...bySku.values()].filter((p) => p.stock != null || p.externalId != null);
  if (told.length > 0)
    await sql`update products p set stock = coalesce(u.stock, p.stock), external_id = coalesce(u.external_id, p.external_id), updated_at = ${now}
      from unnest(${told.map((p) => p.sku)}::text[], ${told.map((p) => p.stock ?? null)}::int[], ${told.map((p) => p.externalId ?? null)}::text[])
        as u(sku, stock, external_id)
      where p.sku = u.sku and (p.stock, p.external_id) is distinct from (coalesce(u.stock, p.stock), coalesce(u.external_id, p.external_id))`.execute(
      db,
    );
  let changes = 0;
  for (const old of before) {
    const p = bySku.get(old.sku)!;
    const dropped = p.priceAmount < old.price_amount;
    const restocked = old.stock !== null && old.stock <= 0 && p.stock != null && p.stock > 0;
    for (const kind of [dropped && 'price_dropped', restocked && 'back_in_stock'] as const) {
      if (!kind) continue;
      const change = await db
        .insertInto('product_changes')
        .values({
          product_id: old.id,
          kind,
          from_value: kind === 'price_dropped' ? old.price_amount : old.stock,
          to_value: kind === 'price_dropped' ? p.priceAmount : p.stock!,
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
          stock: p.stock ?? old.stock,
        },
        occurredAt: now,
      });
    }
  }
  return { ids, changes };
}
