import type { Db } from '../../../db/index.ts';
import { toMinor, updateCatalogue } from '../../commerce/index.ts';
import { type ImportOptions, type Outcome, type Row, RowProblem, number, reader } from './rows.ts';

export async function importProductRow(trx: Db, row: Row, mapping: Record<string, string>, o: ImportOptions, out: Outcome) {
  const get = (t: string) => reader(mapping)(row, t);
  if (!get('sku')) throw new RowProblem(mapping.sku ?? null, 'sku is empty');
  const currency = (get('currency') || o.currency).toUpperCase();
  const price = number(get, 'price', mapping.price);
  const existed = await trx.selectFrom('products').select('id').where('sku', '=', get('sku')).executeTakeFirst();
  const stock = number(get, 'stock', mapping.stock);
  if (stock !== null && (!Number.isInteger(stock) || stock < 0))
    throw new RowProblem(mapping.stock ?? null, 'stock is not a whole number ≥ 0');
  const { ids } = await updateCatalogue(
    trx,
    [
      {
        sku: get('sku'),
        name: get('name') || get('sku'),
        category: get('category'),
        priceAmount: toMinor(price ?? 0, currency) ?? 0,
        currency,
        stock,
      },
    ],
    o.now,
  );
  if (existed) out.updated++;
  else {
    out.created++;
    out.records.push({ entity: 'product', id: ids.get(get('sku'))! });
  }
}
