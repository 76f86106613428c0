import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../test/db.ts';
import { migrateToLatest } from './migrate.ts';

describe('migrations', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.drop());

  it('a failing migration exits with an error and leaves the schema as it was', async () => {
    const broken = {
      '9999_broken': {
        up: async (k: typeof db.db) => {
          await sql`create table half_done (id int)`.execute(k);
          await sql`alter table customers add column half_done_col text`.execute(k);
          await sql`select * from table_that_does_not_exist`.execute(k);
        },
      },
    };
    await expect(migrateToLatest(db.db, broken as never)).rejects.toThrow(/9999_broken failed and was rolled back/);
    const table = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_name = 'half_done'`.execute(
      db.db,
    );
    const column = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.columns where table_name = 'customers' and column_name = 'half_done_col'`.execute(
      db.db,
    );
    const recorded = await sql<{ n: number }>`select count(*)::int as n from kysely_migration where name = '9999_broken'`.execute(db.db);
    expect([table.rows[0].n, column.rows[0].n, recorded.rows[0].n]).toEqual([0, 0, 0]);
  });

  it('refuses to delete channels, sources and imports, which rows name without a foreign key', async () => {
    await sql`insert into channels (code, name, kind, platform) values ('kept', 'Kept', 'web', 'custom')`.execute(db.db);
    for (const table of ['channels', 'sources', 'imports']) {
      await expect(sql`delete from ${sql.table(table)}`.execute(db.db)).rejects.toThrow(`${table} rows are never deleted`);
      await expect(sql`truncate ${sql.table(table)} cascade`.execute(db.db)).rejects.toThrow(`${table} rows are never deleted`);
    }
    expect((await sql<{ n: number }>`select count(*)::int as n from channels where code = 'kept'`.execute(db.db)).rows[0].n).toBe(1);
  });

  it('is a no-op when up to date', async () => {
    expect((await migrateToLatest(db.db)).applied).toEqual([]);
  });
});
