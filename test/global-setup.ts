import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { createDb, migrateToLatest } from '../server/db/index.ts';
import { migrateQueue } from '../server/jobs/index.ts';
import { adminQuery } from './pg-admin.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string | null;
  }
}

/** A migrated template database, made once per run: a PGlite dump, and a PostgreSQL template when TEST_DATABASE_URL is set. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'patron-test-'));
  const handle = await createDb({ kind: 'pglite', dataDir: join(dir, 'template') });
  await migrateToLatest(handle.db);
  await migrateQueue(handle.executeSql);
  await handle.close();
  const reopened = await PGlite.create(join(dir, 'template'));
  const dump = await reopened.dumpDataDir('none');
  await reopened.close();
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);

  const url = process.env.TEST_DATABASE_URL;
  let template: string | null = null;
  if (url) {
    template = `patron_tpl_${randomBytes(4).toString('hex')}`;
    await adminQuery(url, `create database ${template}`);
    const target = new URL(url);
    target.pathname = `/${template}`;
    const pgHandle = await createDb({ kind: 'postgres', url: target.toString(), poolSize: 2 });
    await migrateToLatest(pgHandle.db);
    await migrateQueue(pgHandle.executeSql);
    await pgHandle.close();
  }
  project.provide('postgresTemplate', template);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (url && template) await adminQuery(url, `drop database if exists ${template} with (force)`);
  };
}
