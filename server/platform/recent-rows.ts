/**
 * Rows read lately, by key, for a lookup made on every call (a credential by its prefix): a server answering many calls
 * with one key reads its row at most every `ttlMs`, not once per call. `drop` after a change commits makes this process
 * see it at once; another process sees it within `ttlMs`. An entry belongs to one database handle.
 */
export function recentRows<Handle, Row>(ttlMs: number) {
  const entries = new Map<string, { db: Handle; row: Row; readAt: number }>();
  return {
    async read(db: Handle, key: string, now: Date, load: () => Promise<Row | undefined>): Promise<Row | undefined> {
      const cached = entries.get(key);
      const age = cached ? now.getTime() - cached.readAt : Number.POSITIVE_INFINITY;
      if (cached && cached.db === db && age >= 0 && age < ttlMs) return cached.row;
      const row = await load();
      if (row) entries.set(key, { db, row, readAt: now.getTime() });
      else entries.delete(key);
      return row;
    },
    drop(key: string): void {
      entries.delete(key);
    },
  };
}
