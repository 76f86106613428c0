import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { type Patron, startPatron } from '../server/app.ts';
import type { Db } from '../server/db/index.ts';
import type { Composition } from '../server/modules.ts';
import { type Config, loadConfig } from '../server/platform/config.ts';
import type { Logger } from '../server/platform/logger.ts';
import { generateKey } from '../server/platform/crypto.ts';
import { createTestDb } from './db.ts';
import type { Role } from '../contracts/permissions.ts';
import { createUser } from '../server/modules/auth/index.ts';

export const OWNER = { email: 'owner@test.patron', password: 'owner-password-123' };

/** A running Patron on a fresh test database (HTTP via inject unless listened on). */
export async function startTestPatron(
  overrides: Partial<Config> = {},
  opts: {
    webDir?: string;
    log?: Logger;
    composition?: Composition /** Runs on the fresh database first (a test module's own tables). */;
    before?: (db: Db) => Promise<unknown>;
  } = {},
): Promise<Patron> {
  const db = await createTestDb();
  await opts.before?.(db.db);
  const config = loadConfig({ PATRON_LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv, {
    dataDir: mkdtempSync(join(tmpdir(), 'patron-data-')),
    masterKey: generateKey().toString('hex'),
    adminEmail: OWNER.email,
    adminPassword: OWNER.password,
    // Tests drive the change poller themselves unless they ask for it.
    changesIntervalMs: 3_600_000,
    ...overrides,
  });
  const patron = await startPatron({
    config,
    dbHandle: db,
    webDir: opts.webDir,
    log: opts.log ?? suiteLog(),
    composition: opts.composition,
  });
  const close = patron.close;
  return {
    ...patron,
    close: async () => {
      await close();
      await db.drop();
    },
  };
}

/**
 * With PATRON_TEST_LOG set (CI does), every test server logs at debug level into that one file, which CI then searches
 * for secrets (API keys, write keys, passwords): the logs of the whole suite, not of one test.
 */
function suiteLog(): Logger | undefined {
  const file = process.env.PATRON_TEST_LOG;
  return file
    ? pino({ level: 'debug', base: { app: 'patron' } }, pino.destination({ dest: file, append: true, sync: true, mkdir: true }))
    : undefined;
}

export type Session = { cookie: string; csrf: string };

export async function signIn(patron: Patron, email = OWNER.email, password = OWNER.password): Promise<Session> {
  const res = await patron.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  return sessionFrom(res);
}

/** A new user of `role` (e-mail `<role>@<tag>.test`), signed in. */
export async function signInAs(patron: Patron, role: Role, tag = 'x'): Promise<Session> {
  const email = `${role}@${tag}.test`;
  const password = `${role}-password-1`;
  await createUser(patron.ctx.db, {
    email,
    name: role,
    role,
    password,
    actor: { type: 'system', id: null, label: 'test', ip: null },
    actorRole: null,
  });
  return signIn(patron, email, password);
}

export function sessionFrom(res: LightMyRequestResponse): Session {
  const cookies = res.cookies as { name: string; value: string }[];
  return {
    cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
    csrf: cookies.find((c) => c.name === 'patron_csrf')?.value ?? '',
  };
}

/** Headers for a signed-in browser request (cookie + CSRF echo). */
export const as = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });

/** Calls the JSON API as a signed-in user: `api('POST', '/campaigns', body)`. */
export const apiAs =
  (patron: () => Patron, session: () => Session) => (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    patron().http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(session()),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
