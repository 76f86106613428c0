import { sql } from 'kysely';
import { isAppError } from '../platform/errors.ts';
import type { Db } from './create-db.ts';

type ItemResult<R> = ({ index: number; ok: true } & R) | { index: number; ok: false; error: { code: string; message: string } };

/**
 * Up to 1,000 items in one transaction, each behind a savepoint: an item that fails (bad identifiers,
 * an unknown order, a value the database refuses) is reported with its code and stores nothing, the rest commit.
 */
export async function eachItem<T, R extends object>(
  db: Db,
  items: readonly T[],
  fn: (trx: Db, item: T) => Promise<R>,
): Promise<{ results: ItemResult<R>[] }> {
  return db.transaction().execute(async (trx) => {
    const results: ItemResult<R>[] = [];
    for (const [index, item] of items.entries()) {
      await sql`savepoint rest_item`.execute(trx);
      try {
        const r = await fn(trx, item);
        await sql`release savepoint rest_item`.execute(trx);
        results.push({ index, ok: true, ...r });
      } catch (err) {
        await sql`rollback to savepoint rest_item`.execute(trx);
        const error = isAppError(err)
          ? { code: err.code, message: err.message }
          : { code: 'ITEM_NOT_STORED', message: `could not be stored: ${(err as Error).message}` };
        results.push({ index, ok: false, error });
      }
    }
    return { results };
  });
}
