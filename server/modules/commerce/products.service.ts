import { sql } from 'kysely';
import type { z } from 'zod';
import type { productSearchQuery } from '../../../contracts/commerce.ts';
import type { Db } from '../../db/index.ts';

/** Pickers over a catalogue of any size: products by SKU prefix or name fragment (trigram index), and every category. */
export async function searchProducts(db: Db, q: z.infer<typeof productSearchQuery>) {
  let query = db.selectFrom('products').select(['id', 'sku', 'name', 'category', 'price_amount', 'currency', 'stock']);
  if (q.q) {
    const like = q.q.replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where((eb) => eb.or([eb('sku', 'like', `${like}%`), eb('name', 'ilike', `%${like}%`)]));
  }
  if (q.category) query = query.where('category', '=', q.category);
  const rows = await query
    .orderBy(sql`case when sku = ${q.q ?? ''} then 0 else 1 end`)
    .orderBy('name')
    .limit(q.limit)
    .execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      sku: r.sku,
      name: r.name,
      category: r.category,
      price: r.price_amount,
      currency: r.currency,
      stock: r.stock,
    })),
  };
}

export async function listCategories(db: Db) {
  const rows = await db
    .selectFrom('products')
    .select(['category', sql<number>`count(*)::int`.as('products')])
    .where('category', '<>', '')
    .groupBy('category')
    .orderBy('category')
    .execute();
  return { items: rows };
}
