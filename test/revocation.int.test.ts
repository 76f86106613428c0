import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Patron, startPatron } from '../server/app.ts';
import { createDb, type DbHandle } from '../server/db/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { generateKey } from '../server/platform/crypto.ts';
import { as, OWNER, type Session, signIn } from './app.ts';
import { createTestDb, type TestDb } from './db.ts';

/**
 * Two API processes on one PostgreSQL (as in production behind a load balancer): a key revoked or a user disabled
 * through one is refused by the other on its very next request — nothing about a principal is cached.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('revocation in every process', () => {
  let a: Patron;
  let b: Patron;
  let db: TestDb;
  let owner: Session;
  const pools: DbHandle[] = [];
  beforeAll(async () => {
    db = await createTestDb();
    const masterKey = generateKey().toString('hex');
    // Two processes: each its own pool on the same database, the same master key.
    const start = async (name: string) => {
      const pool = await createDb({ kind: 'postgres', url: db.url ?? '', poolSize: 2 });
      pools.push(pool);
      const config = loadConfig({ PATRON_LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv, {
        dataDir: mkdtempSync(join(tmpdir(), `patron-${name}-`)),
        masterKey,
        adminEmail: OWNER.email,
        adminPassword: OWNER.password,
        runWorkers: false,
      });
      return startPatron({ config, dbHandle: pool });
    };
    a = await start('a');
    b = await start('b');
    owner = await signIn(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    for (const pool of pools) await pool.close();
    await db?.drop();
  });

  it('refuses a revoked key and a disabled user in the other process at once', async () => {
    const key = (
      await a.http.inject({ method: 'POST', url: '/api/v1/api-keys', headers: as(owner), payload: { name: 'x', role: 'analyst' } })
    ).json();
    const viaB = () => b.http.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key.secret}` } });
    expect((await viaB()).statusCode).toBe(200);
    await a.http.inject({ method: 'POST', url: `/api/v1/api-keys/${key.apiKey.id}/revoke`, headers: as(owner) });
    expect((await viaB()).statusCode).toBe(401);

    await a.http.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'gone@test.cn', name: 'G', role: 'analyst', password: 'gone-password-12' },
    });
    const gone = await signIn(b, 'gone@test.cn', 'gone-password-12');
    expect((await b.http.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(gone) })).statusCode).toBe(200);
    const user = (await a.http.inject({ method: 'GET', url: '/api/v1/users', headers: as(owner) }))
      .json()
      .items.find((u: { email: string }) => u.email === 'gone@test.cn');
    await a.http.inject({ method: 'PATCH', url: `/api/v1/users/${user.id}`, headers: as(owner), payload: { status: 'disabled' } });
    expect((await b.http.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(gone) })).statusCode).toBe(401);
  });
});
