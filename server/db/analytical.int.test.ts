import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../test/db.ts';
import { applyAnalyticalSettings } from './analytical.ts';
import type { Db } from './create-db.ts';

const settings = async (db: Db) =>
  (
    await sql<{ work_mem: string; jit: string; workers: string }>`
      select current_setting('work_mem') as work_mem, current_setting('jit') as jit, current_setting('max_parallel_workers_per_gather') as workers`.execute(
      db,
    )
  ).rows[0];

describe('analytical settings', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.drop());

  it('apply to the transaction only; side by side, no parallel workers', async () => {
    const before = await settings(t.db);
    const plain = await t.db.transaction().execute(async (trx) => {
      await applyAnalyticalSettings(trx);
      return settings(trx);
    });
    expect(plain).toEqual({ work_mem: '64MB', jit: 'off', workers: before.workers });
    const sideBySide = await t.db.transaction().execute(async (trx) => {
      await applyAnalyticalSettings(trx, { sideBySide: true });
      // A statement that applies the settings again (as refreshMetrics does) keeps the transaction's choice.
      await applyAnalyticalSettings(trx);
      return settings(trx);
    });
    expect(sideBySide).toEqual({ work_mem: '64MB', jit: 'off', workers: '0' });
    expect(await settings(t.db)).toEqual(before);
  });
});
