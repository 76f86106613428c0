import { type RawBuilder, sql } from 'kysely';
import type { Db } from './create-db.ts';

/**
 * Settings for large analytical statements in the current transaction (segment counts and refreshes, metric
 * recomputes): room to hash in memory instead of sorting on disk, and no JIT — compiling these plans took
 * longer (~150 ms) than it saved on a million rows.
 */
export async function applyAnalyticalSettings(trx: Db): Promise<void> {
  await sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`.execute(trx);
}

/**
 * A sample of about `size` rows of `table` by id: k from the planner's row estimate (no count scan; 1 — every
 * row — when the table was never analysed), and the rows whose id hashes to 0 mod k. A hash, not every k-th id:
 * ids follow patterns (the demo store assigns genders by id), and a systematic sample follows them.
 */
export async function sampleStep(db: Db, table: 'customers', size: number): Promise<number> {
  const r = await sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = ${table}::regclass`.execute(db);
  return Math.max(1, Math.floor(Number(r.rows[0]?.n ?? 0) / size));
}
export const inSample = (id: RawBuilder<unknown>, step: number) => sql`hashint8(${id}) % ${step} = 0`;
