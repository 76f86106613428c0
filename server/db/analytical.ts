import { sql } from 'kysely';
import type { Db } from './create-db.ts';

/**
 * Settings for large analytical statements in the current transaction (segment counts and refreshes, metric
 * recomputes): room to hash in memory instead of sorting on disk, and no JIT — compiling these plans took
 * longer (~150 ms) than it saved on a million rows.
 */
export async function applyAnalyticalSettings(trx: Db): Promise<void> {
  await sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`.execute(trx);
}
