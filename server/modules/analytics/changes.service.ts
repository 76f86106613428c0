import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { refreshMetrics } from './metrics.service.ts';
import { loadModels } from './models.service.ts';

export async function clearChangesBefore(db: Db, at: Date): Promise<void> {
  await sql`delete from customer_changes where changed_at < ${at}`.execute(db);
}

/**
 * Takes up to `limit` changed customers (skipping those another worker holds), refreshes their metrics and
 * hands their ids to `onRefreshed` (segment membership) in the same transaction; a failure leaves them marked.
 */
export async function processChanges(
  db: Db,
  opts: { now: Date; timeZone: string; limit?: number; onRefreshed?: (trx: Db, ids: number[]) => Promise<void> },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const taken = await sql<{ customer_id: number }>`
      delete from customer_changes where customer_id in (
        select customer_id from customer_changes order by changed_at limit ${opts.limit ?? 5000} for update skip locked)
      returning customer_id`.execute(trx);
    const ids = taken.rows.map((r) => Number(r.customer_id));
    if (ids.length === 0) return 0;
    const models = await loadModels(trx);
    await refreshMetrics(trx, { ids }, { now: opts.now, timeZone: opts.timeZone, models });
    if (opts.onRefreshed) await opts.onRefreshed(trx, ids);
    return ids.length;
  });
}
