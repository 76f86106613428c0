import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../test/db.ts';
import { batched } from './batched.ts';
import type { Db } from './create-db.ts';

describe('batched', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.drop());

  /** A read of squares by key, one statement per batch; every statement's keys are kept. */
  const squares = (options = { concurrency: 1, maxBatch: 4 }) => {
    const statements: number[][] = [];
    const read = batched(async (db: Db, keys: number[]) => {
      statements.push([...keys]);
      const { rows } = await sql<{ k: number; square: number }>`
        select k, k * k as square from unnest(${keys}::int[]) k where k >= 0`.execute(db);
      return new Map(rows.map((r) => [r.k, r.square]));
    }, options);
    return { read, statements };
  };

  it('runs a read alone at once, and reads asked for meanwhile together, up to the batch size', async () => {
    const { read, statements } = squares();
    const answers = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((k) => read(t.db, k)));
    expect(answers).toEqual([1, 4, 9, 16, 25, 36, 49]);
    expect(statements).toEqual([[1], [2, 3, 4, 5], [6, 7]]);
    expect(await read(t.db, 8)).toBe(64);
    expect(statements).toHaveLength(4);
  });

  it('answers undefined for a key the read did not find, and fails every read of a failed statement alone', async () => {
    const { read } = squares();
    expect(await Promise.all([read(t.db, 3), read(t.db, -1)])).toEqual([9, undefined]);
    const failing = batched(
      async (db: Db, keys: number[]) => {
        await sql`select 1 / (${keys.length}::int - 2)`.execute(db);
        return new Map(keys.map((k) => [k, k]));
      },
      { concurrency: 1, maxBatch: 2 },
    );
    const settled = await Promise.allSettled([failing(t.db, 1), failing(t.db, 2), failing(t.db, 3), failing(t.db, 4)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  });

  it('reads in a transaction through the transaction, its own rows not yet committed included', async () => {
    const inTable = batched(
      async (db: Db, keys: number[]) => {
        const { rows } = await sql<{ k: number }>`select k from batched_reads_test where k = any(${keys}::int[])`.execute(db);
        return new Map(rows.map((r) => [r.k, true]));
      },
      { concurrency: 1, maxBatch: 10 },
    );
    await sql`create table batched_reads_test (k int primary key)`.execute(t.db);
    await t.db.transaction().execute(async (trx) => {
      await sql`insert into batched_reads_test values (1), (2)`.execute(trx);
      // The transaction's own rows, not yet committed, are what its reads see.
      expect(await Promise.all([inTable(trx, 1), inTable(trx, 2), inTable(trx, 3)])).toEqual([true, true, undefined]);
    });
    expect(await inTable(t.db, 2)).toBe(true);
  });
});
