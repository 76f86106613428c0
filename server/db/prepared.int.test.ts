import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb, testBackend } from '../../test/db.ts';
import { executePrepared } from './create-db.ts';

describe('executePrepared', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.drop());

  it('prepares the statements run through it once per connection (PostgreSQL), and only those', async () => {
    const prepared = await t.db.transaction().execute(async (trx) => {
      const first = await executePrepared(trx, sql<{ n: number }>`select ${41}::int + 1 as n`);
      const again = await executePrepared(trx, sql<{ n: number }>`select ${1}::int + 1 as n`);
      expect([first.rows[0].n, again.rows[0].n]).toEqual([42, 2]);
      await sql`select ${1}::int * 3 as outside`.execute(trx);
      return (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx)).rows;
    });
    if (testBackend() === 'pglite') {
      expect(prepared.filter((p) => p.name.startsWith('scoped_'))).toEqual([]);
      return;
    }
    const scoped = prepared.filter((p) => p.name.startsWith('scoped_'));
    expect(scoped).toHaveLength(1);
    expect(scoped[0].statement).toContain('+ 1 as n');
    expect(prepared.some((p) => p.statement.includes('outside'))).toBe(false);
  });
});
