import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createEmptyTestDb } from '../../test/db.ts';
import { decryptField, parseMasterKey } from '../platform/crypto.ts';
import { loadKeyring } from '../platform/keyring.ts';
import { readBackupHeader, restoreAndUpgrade } from './backup.ts';
import { appliedMigrations, migrations, pendingMigrations } from './migrate.ts';

/**
 * `test/fixtures/backup-0028.jsonl.gz` was written by `patron backup` of the release whose schema ended at migration
 * 0028 (commit f326a06): a demo store of 60 customers, 221 orders and 839 events, encrypted under the master key below
 * (a key for this fixture only).
 */
const FIXTURE = join(import.meta.dirname, '../../test/fixtures/backup-0028.jsonl.gz');
const FIXTURE_MASTER_KEY = 'iyBY/u7Gv2rP2wznjAJWqcBVlGJ+aPoO6VKsPgDyZ/Y=';

describe('upgrading a backup of an older version', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createEmptyTestDb();
  });
  afterAll(() => db.drop());

  it('restores it at its own schema, then every migration since runs over its rows, nothing lost', async () => {
    const header = await readBackupHeader(FIXTURE);
    expect(header.migrations.at(-1)).toBe('0028_messaging');
    expect(await pendingMigrations(db.db)).toEqual(Object.keys(migrations));

    const { counts, upgradedBy } = await restoreAndUpgrade(db.db, FIXTURE);
    expect(counts).toMatchObject({ customers: 60, orders: 221, events: 839 });
    expect(upgradedBy[0]).toBe('0029_journeys');
    expect(upgradedBy.at(-1)).toBe(Object.keys(migrations).at(-1));
    expect(await appliedMigrations(db.db)).toEqual(Object.keys(migrations));
    expect(await pendingMigrations(db.db)).toEqual([]);

    // The rows are there and readable with the backup's key; what later versions added works on them.
    const n = async (q: string) => Number((await sql<{ n: number }>`${sql.raw(q)}`.execute(db.db)).rows[0].n);
    expect(await n('select count(*)::int as n from customers')).toBe(60);
    expect(await n('select count(*)::int as n from order_items')).toBeGreaterThan(221);
    const keyring = await loadKeyring(db.db, parseMasterKey(FIXTURE_MASTER_KEY));
    const c = await db.db.selectFrom('customers').select('email_enc').where('email_enc', 'is not', null).executeTakeFirstOrThrow();
    expect(decryptField(keyring, c.email_enc as string)).toContain('@');
    const customer = await db.db.selectFrom('customers').select('id').orderBy('id').executeTakeFirstOrThrow();
    await sql`with s as (insert into surveys (name, status, definition, created_at, updated_at) values ('t', 'open', '{}', now(), now()) returning id)
      insert into survey_invitations (survey_id, customer_id, source, created_at) select s.id, ${customer.id}, 'test', now() from s`.execute(
      db.db,
    );
    expect(await n("select count(*)::int as n from survey_invitations where subject = ''")).toBe(1);
    // Ids continue after the restored ones.
    const next = await sql<{
      id: number;
    }>`insert into channels (code, name, kind, platform) values ('after', 'After', 'web', 'custom') returning id`.execute(db.db);
    expect(Number(next.rows[0].id)).toBeGreaterThan((await n('select count(*)::int as n from channels')) - 1);
  });
});
