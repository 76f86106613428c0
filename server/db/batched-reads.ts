import type { Db } from './create-db.ts';

type Waiting<K, V> = { key: K; resolve: (value: V | undefined) => void; reject: (err: unknown) => void };

type Queue<K, V> = { waiting: Waiting<K, V>[]; running: number };

export type BatchedReadOptions = {
  /** Statements of this read running at once on one database; reads asked for meanwhile wait and go together. */
  concurrency: number;
  /** Keys in one statement at most. */
  maxBatch: number;
};

/**
 * A read by key whose callers are answered together when they come at once, as DataLoader does: while `concurrency`
 * statements of it are running, the keys asked for meanwhile wait, and the next statement reads all of them (up to
 * `maxBatch`). A read alone runs at once and waits for nothing. Under load, one statement for many keys costs the
 * database one execution's start, and the server one query's round trip and one wake-up of the database, for them all
 * (the customer 360 at 100 connections: one statement per ten people cost PostgreSQL 0.15 ms a person against 0.23 ms
 * alone, 2026-12-06, M). `read` answers the keys it found; a key it did not is `undefined`. A failed statement fails
 * every read in it. Queues are per database handle: a transaction batches only its own reads.
 */
export function batchedReads<K, V>(
  read: (db: Db, keys: K[]) => Promise<Map<K, V>>,
  options: BatchedReadOptions,
): (db: Db, key: K) => Promise<V | undefined> {
  const queues = new WeakMap<Db, Queue<K, V>>();
  const drain = (db: Db, queue: Queue<K, V>) => {
    while (queue.running < options.concurrency && queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, options.maxBatch);
      queue.running++;
      read(
        db,
        batch.map((w) => w.key),
      )
        .then(
          (found) => {
            for (const w of batch) w.resolve(found.get(w.key));
          },
          (err: unknown) => {
            for (const w of batch) w.reject(err);
          },
        )
        .finally(() => {
          queue.running--;
          drain(db, queue);
        });
    }
  };
  return (db, key) =>
    new Promise<V | undefined>((resolve, reject) => {
      let queue = queues.get(db);
      if (!queue) {
        queue = { waiting: [], running: 0 };
        queues.set(db, queue);
      }
      queue.waiting.push({ key, resolve, reject });
      drain(db, queue);
    });
}
