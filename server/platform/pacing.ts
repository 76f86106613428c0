import type { Config } from './config.ts';

/**
 * How heavy work is cut on the embedded database. PGlite runs one statement at a time, in this process: a statement
 * or transaction over 20,000 customers held every page request behind it for seconds (a 41 s recompute after an
 * import's undo: /readyz 14.4 s). Small pieces let the requests queued meanwhile run between them. PostgreSQL runs
 * them beside each other: the large pieces stay.
 */
export function pacing(config: Pick<Config, 'databaseUrl'>) {
  const embedded = !config.databaseUrl;
  return {
    /** Full recompute: customers per metrics chunk, per part of the buyers pass, and behind the lifecycle percentiles. */
    recompute: embedded ? { chunkSize: 2_000, buyersPerPart: 5_000, lifecycleSample: 20_000 } : {},
    /** Changed customers refreshed per transaction. */
    drainLimit: embedded ? 500 : 5_000,
    /** CSV rows per import transaction. */
    importBatch: embedded ? 1_000 : undefined,
  };
}
