import { sql } from 'kysely';
import type { Db } from './create-db.ts';

/**
 * PostgreSQL plans from the statistics autovacuum last took. A table a burst fills — 100,000 people entering a journey
 * at once: as many deliveries, then as many runs — is planned as if it were still nearly empty until autoanalyze comes,
 * a minute later (never where autovacuum is off), and a worker's claim that takes a millisecond on a fresh plan takes
 * hundreds on the stale one, pass after pass. The claim is timed; one slower than `slowMs` has the table analyzed at
 * once, at most every `everyMs` (an analyze costs a few hundred milliseconds; a burst may come just after one).
 * Returns whether it analyzed. One watch per table and process.
 */
export function watchStatistics(table: string, opts: { slowMs?: number; everyMs?: number } = {}) {
  const slowMs = opts.slowMs ?? 50;
  const everyMs = opts.everyMs ?? 10_000;
  let analyzedAt = 0;
  return async (db: Db, claimMs: number): Promise<boolean> => {
    if (claimMs < slowMs || Date.now() - analyzedAt < everyMs) return false;
    analyzedAt = Date.now();
    await sql`analyze ${sql.table(table)}`.execute(db);
    return true;
  };
}
