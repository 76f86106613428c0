import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../test/db.ts';
import { seedDemo } from '../modules/demo/index.ts';
import { recordAudit } from '../modules/audit/index.ts';
import { generateKey } from '../platform/crypto.ts';
import { loadKeyring } from '../platform/keyring.ts';
import { backupToFile, restoreFromFile, tablesInDependencyOrder } from './backup.ts';
import type { Db } from './create-db.ts';

async function snapshot(db: Db) {
  const out: Record<string, unknown[]> = {};
  for (const table of await tablesInDependencyOrder(db)) {
    const rows = await sql<{ r: unknown }>`select to_jsonb(t) as r from ${sql.table(table)} t order by 1`.execute(db);
    out[table] = rows.rows.map((r) => r.r);
  }
  return out;
}

describe('backup and restore', () => {
  let source: TestDb;
  let target: TestDb;
  const file = join(mkdtempSync(join(tmpdir(), 'patron-backup-')), 'backup.jsonl.gz');

  beforeAll(async () => {
    [source, target] = await Promise.all([createTestDb(), createTestDb()]);
    const keyring = await loadKeyring(source.db, generateKey());
    await seedDemo(source.db, keyring, { customers: 150, asOf: new Date('2026-06-30T00:00:00Z') });
    await recordAudit(source.db, {
      actor: { type: 'system', id: null, label: 'test', ip: null },
      action: 'test.entry',
      details: { a: [1, 2] },
    });
    // A chain of merges: the first customer merged into the second, the second into the third.
    const ids = (await source.db.selectFrom('customers').select('id').orderBy('id').limit(3).execute()).map((c) => Number(c.id));
    await source.db.updateTable('customers').set({ merged_into: ids[1] }).where('id', '=', ids[0]).execute();
    await source.db.updateTable('customers').set({ merged_into: ids[2] }).where('id', '=', ids[1]).execute();
  });
  afterAll(async () => {
    await source.drop();
    await target.drop();
  });

  it('round-trips every table exactly, and identities continue after the restored ids', async () => {
    await backupToFile(source.db, file);
    // The backup holds rows in stored order, where a merged customer may come before the one it points to: here the
    // merged ones first, by id, and one row an insert, so the first refers to a customer not restored yet.
    const lines = gunzipSync(readFileSync(file)).toString().split('\n');
    const from = lines.indexOf(JSON.stringify({ table: 'customers' })) + 1;
    const to = lines.findIndex((l, i) => i > from && l.startsWith('{"end":'));
    const merged = (l: string) => (JSON.parse(l) as { row: { merged_into: number | null } }).row.merged_into !== null;
    const section = lines.slice(from, to);
    lines.splice(from, section.length, ...section.filter(merged).sort(), ...section.filter((l) => !merged(l)));
    writeFileSync(file, gzipSync(lines.join('\n')));
    const counts = await restoreFromFile(target.db, file, undefined, { batchSize: 1 });
    expect(counts.customers).toBe(150);
    expect(counts.orders).toBeGreaterThan(150);
    const [a, b] = await Promise.all([snapshot(source.db), snapshot(target.db)]);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const table of Object.keys(a)) expect(b[table], table).toEqual(a[table]);
    const next = await target.db
      .insertInto('channels')
      .values({ code: 'new', name: 'N', kind: 'web', platform: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const max = await sql<{ m: number }>`select max(id)::int as m from channels where code <> 'new'`.execute(target.db);
    expect(next.id).toBeGreaterThan(max.rows[0].m);
  });

  it('is one snapshot: what is written while it runs is not in it', async () => {
    const tables = await tablesInDependencyOrder(source.db);
    expect(tables.indexOf('customers')).toBeGreaterThan(0);
    const later = join(mkdtempSync(join(tmpdir(), 'patron-backup-')), 'backup.jsonl.gz');
    let written: Promise<unknown> | null = null;
    // Once the first table is read, a new customer is committed beside the backup (on PGlite: queued after it).
    await backupToFile(source.db, later, () => {
      written ??= source.db.insertInto('customers').values({ name: 'Written meanwhile', gender: 'unknown' }).execute();
    });
    await written;
    const fresh = await createTestDb();
    try {
      const counts = await restoreFromFile(fresh.db, later);
      expect(counts.customers).toBe(150);
      const now = await sql<{ n: number }>`select count(*)::int as n from customers`.execute(source.db);
      expect(now.rows[0].n).toBe(151);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses to restore into a database that has data', async () => {
    await expect(restoreFromFile(target.db, file)).rejects.toThrow(/not empty/);
  });
});
