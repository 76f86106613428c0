import { type RawBuilder, sql } from 'kysely';
import type { Db } from './create-db.ts';

/**
 * Settings for large analytical statements in the current transaction (segment counts and refreshes, metric
 * recomputes): room to hash in memory instead of sorting on disk, and no JIT — compiling these plans took
 * longer (~150 ms) than it saved on a million rows. `sideBySide`: the work is already split into statements that
 * run side by side (one core each), so no parallel workers either — each worker of a parallel plan builds the
 * plan's hashed subplans again, and three ranges with two workers each are nine processes on two cores (a segment
 * count at scale L: 2.0 s when the planner chose parallel plans, 0.95 s without; bench/README.md).
 */
export async function applyAnalyticalSettings(trx: Db, opts: { sideBySide?: boolean } = {}): Promise<void> {
  const workers = opts.sideBySide ? sql`'0'` : sql`current_setting('max_parallel_workers_per_gather')`;
  await sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', ${workers}, true)`.execute(
    trx,
  );
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

export type IdRange = { fromId: number; toId: number };

/**
 * The customers' id span cut into ranges of `size` ids, or into `parts` equal ranges (the last one open, for
 * customers created meanwhile); empty when there are no customers.
 */
export async function customerIdRanges(db: Db, cut: { size: number } | { parts: number }): Promise<IdRange[]> {
  const r = await sql<{ lo: number | null; hi: number | null }>`select min(id) as lo, max(id) as hi from customers`.execute(db);
  const { lo, hi } = r.rows[0];
  if (lo === null || hi === null) return [];
  const span = Number(hi) - Number(lo) + 1;
  const size = 'size' in cut ? cut.size : Math.ceil(span / cut.parts);
  const count = Math.ceil(span / size);
  return Array.from({ length: count }, (_, k) => ({
    fromId: Number(lo) + k * size,
    toId: 'parts' in cut && k === count - 1 ? Number.MAX_SAFE_INTEGER : Number(lo) + (k + 1) * size - 1,
  }));
}

/** Runs `fn` over the ranges, `atOnce` at a time (each statement is one core). */
export async function sideBySide(ranges: readonly IdRange[], atOnce: number, fn: (range: IdRange) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < ranges.length; k = next++) await fn(ranges[k]);
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, ranges.length) }, worker));
}
