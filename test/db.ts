import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { type DbHandle, createDb } from '../server/db/index.ts';
import { adminQuery as admin } from './pg-admin.ts';

/** Which backend integration tests run on: real PostgreSQL when TEST_DATABASE_URL is set. */
export const testBackend = (): 'postgres' | 'pglite' => (process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');

export type TestDb = DbHandle & { url: string | null; drop(): Promise<void> };

/**
 * A fresh, migrated database for one test file: a copy of the run's template — a new PostgreSQL
 * database (CREATE DATABASE … TEMPLATE) or a new PGlite instance loaded from the template dump.
 */
export async function createTestDb(): Promise<TestDb> {
  const url = process.env.TEST_DATABASE_URL;
  const template = inject('postgresTemplate');
  if (url && template) {
    const name = `patron_test_${randomBytes(5).toString('hex')}`;
    await admin(url, `create database ${name} template ${template}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    const handle = await createDb({ kind: 'postgres', url: target.toString(), poolSize: 5 });
    let dropped = false;
    return {
      ...handle,
      url: target.toString(),
      async drop() {
        if (dropped) return;
        dropped = true;
        await handle.close();
        await admin(url, `drop database if exists ${name} with (force)`);
      },
    };
  }
  const dump = new Blob([readFileSync(inject('pgliteTemplate'))]);
  const handle = await createDb({ kind: 'pglite', loadDataDir: dump });
  return { ...handle, url: null, drop: () => handle.close() };
}

/** A fresh database with no schema at all (an upgrade test builds an older version's schema itself). */
export async function createEmptyTestDb(): Promise<TestDb> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const name = `patron_test_${randomBytes(5).toString('hex')}`;
    await admin(url, `create database ${name}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    const handle = await createDb({ kind: 'postgres', url: target.toString(), poolSize: 5 });
    return {
      ...handle,
      url: target.toString(),
      async drop() {
        await handle.close();
        await admin(url, `drop database if exists ${name} with (force)`);
      },
    };
  }
  const handle = await createDb({ kind: 'pglite' });
  return { ...handle, url: null, drop: () => handle.close() };
}
