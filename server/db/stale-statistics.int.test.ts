import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../test/db.ts';
import { watchStatistics } from './stale-statistics.ts';

describe('stale statistics', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    await sql`create table burst (id int primary key)`.execute(t.db);
    await sql`analyze burst`.execute(t.db);
    await sql`insert into burst select g from generate_series(1, 5000) g`.execute(t.db);
  });
  afterAll(() => t.drop());

  /** What the planner believes the table holds: its statistics' row count. */
  const believed = async () =>
    Number((await sql<{ n: number }>`select reltuples::float8 as n from pg_class where relname = 'burst'`.execute(t.db)).rows[0].n);

  it('analyzes a table after a slow claim, not after a quick one, and not again within its interval', async () => {
    const watch = watchStatistics('burst', { slowMs: 50, everyMs: 60_000 });
    expect(await believed()).toBeLessThan(1);
    expect(await watch(t.db, 3)).toBe(false);
    expect(await believed()).toBeLessThan(1);
    expect(await watch(t.db, 80)).toBe(true);
    expect(await believed()).toBe(5000);
    await sql`insert into burst select g from generate_series(5001, 6000) g`.execute(t.db);
    expect(await watch(t.db, 80)).toBe(false);
    expect(await believed()).toBe(5000);
  });
});
