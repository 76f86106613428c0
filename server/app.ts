import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { type DbHandle, createDb, dbOptionsFromConfig, migrateToLatest } from './db/index.ts';
import { buildHttp } from './http/app.ts';
import type { Principal } from './http/principal.ts';
import { type JobQueue, startQueue } from './jobs/index.ts';
import { dispatchEvents, syncSubscriptions } from './events/index.ts';
import type { Poller } from './module.ts';
import { type Composition, patronComposition } from './modules.ts';
import { SESSION_COOKIE, authenticateApiKey, authenticateSession, ensureOwner } from './modules/auth/index.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { AppContext } from './platform/context.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { KEYRING_REFRESH_MS, loadKeyring, refreshKeyring, resolveMasterKey } from './platform/keyring.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PATRON_VERSION: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
export const DEFAULT_WEB_DIR = join(root, 'web', 'dist');

export type StartOptions = {
  config: Config;
  log?: Logger;
  clock?: Clock;
  /** An already-open database (tests); the caller closes it. Otherwise opened from the configuration. */
  dbHandle?: DbHandle;
  webDir?: string;
  /** The modules it is made of (default every module; tests add a throwaway one). */
  composition?: Composition;
};

export type Patron = {
  ctx: AppContext;
  http: FastifyInstance;
  dbHandle: DbHandle;
  owner: Awaited<ReturnType<typeof ensureOwner>>;
  close(): Promise<void>;
};

function authenticator(ctx: AppContext) {
  return async (request: FastifyRequest): Promise<Principal | null> => {
    const auth = request.headers.authorization;
    const apiKey = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey) return authenticateApiKey(ctx.db, apiKey, ctx.clock.now());
    const token = request.cookies[SESSION_COOKIE];
    return token ? authenticateSession(ctx.db, token, ctx.clock.now()) : null;
  };
}

/** Opens the database and migrates it; the first step of every command that touches data. */
export async function openDatabase(config: Config, log: Logger, opts: { migrate?: boolean } = {}): Promise<DbHandle> {
  const handle = await createDb(dbOptionsFromConfig(config));
  if (opts.migrate === false) return handle;
  const { applied } = await migrateToLatest(handle.db);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  return handle;
}

type Runtime = { ctx: AppContext; stop(): Promise<void> };

/**
 * The running core shared by `serve` and `worker`: keyring (re-read every KEYRING_REFRESH_MS so a
 * rotated data key is picked up without a restart) and the job queue, working or only enqueueing.
 */
async function startRuntime(opts: {
  config: Config;
  log: Logger;
  clock: Clock;
  dbHandle: DbHandle;
  work: boolean;
  composition: Composition;
}): Promise<Runtime> {
  const { config, log, dbHandle, composition } = opts;
  const masterKey = resolveMasterKey(config.masterKey, config.dataDir, log);
  const keyring = await loadKeyring(dbHandle.db, masterKey);
  for (const m of composition.modules) await m.prepare?.(dbHandle.db, composition.registry);
  await syncSubscriptions(dbHandle.db, composition.subscriptions);
  const ctx: AppContext = {
    config,
    db: dbHandle.db,
    keyring,
    log,
    clock: opts.clock,
    queue: undefined as unknown as JobQueue,
    modules: composition.registry,
  };
  ctx.queue = await startQueue({
    executeSql: dbHandle.executeSql,
    log,
    jobs: composition.jobs,
    context: ctx,
    work: opts.work,
    timeZone: config.timeZone,
    resumeOrphans: dbHandle.kind === 'pglite',
  });
  const refresh = setInterval(() => {
    refreshKeyring(dbHandle.db, masterKey, keyring).catch((err) => log.error({ err }, 'keyring refresh failed'));
  }, KEYRING_REFRESH_MS);
  refresh.unref();
  const dispatcher: Poller = { name: 'domain-events', run: (c) => dispatchEvents(c, composition.subscriptions) };
  const pollers = opts.work
    ? [...composition.pollers, ...(composition.subscriptions.length > 0 ? [dispatcher] : [])].map((p) => startPoller(p, ctx))
    : [];
  return {
    ctx,
    async stop() {
      clearInterval(refresh);
      await Promise.all(pollers.map((p) => p.stop()));
      await ctx.queue.stop();
    },
  };
}

/**
 * Runs a poller again at once while it finds work, otherwise every `changesIntervalMs` (or its own shorter idle time);
 * never two runs at a time.
 */
function startPoller(poller: Poller, ctx: AppContext) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const idleMs = Math.min(poller.idleMs ?? Number.POSITIVE_INFINITY, ctx.config.changesIntervalMs);
  const tick = () => {
    running = poller
      .run(ctx)
      .catch((err) => {
        ctx.log.error({ err, poller: poller.name }, 'poller failed');
        return 0;
      })
      .then((done) => {
        if (!stopped) timer = setTimeout(tick, done > 0 ? 0 : idleMs);
      });
  };
  timer = setTimeout(tick, ctx.config.changesIntervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Composition root: config → database → keyring → job queue → HTTP. */
export async function startPatron(opts: StartOptions): Promise<Patron> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.logLevel);
  const ownsDb = !opts.dbHandle;
  const dbHandle = opts.dbHandle ?? (await openDatabase(config, log));
  if (!ownsDb) await migrateToLatest(dbHandle.db);
  const composition = opts.composition ?? patronComposition;
  const runtime = await startRuntime({ config, log, clock: opts.clock ?? systemClock, dbHandle, work: config.runWorkers, composition });
  const { ctx } = runtime;
  const owner = await ensureOwner(dbHandle.db, { email: config.adminEmail, password: config.adminPassword });
  const webDir = opts.webDir ?? DEFAULT_WEB_DIR;
  const http = await buildHttp({
    ctx,
    routes: composition.routes,
    plugins: composition.plugins,
    gauges: composition.gauges,
    authenticate: authenticator(ctx),
    ready: async () => {
      await sql`select 1`.execute(dbHandle.db);
      return true;
    },
    webDir: existsSync(webDir) ? webDir : undefined,
    version: PATRON_VERSION,
  });
  let closed = false;
  return {
    ctx,
    http,
    dbHandle,
    owner,
    async close() {
      if (closed) return;
      closed = true;
      await http.close();
      await runtime.stop();
      if (ownsDb) await dbHandle.close();
    },
  };
}

/** A worker process: the same runtime as `serve`, working, without HTTP. */
export async function startWorker(config: Config): Promise<{ jobTypes: number; close(): Promise<void> }> {
  const log = createLogger(config.logLevel);
  const dbHandle = await openDatabase(config, log);
  const runtime = await startRuntime({ config, log, clock: systemClock, dbHandle, work: true, composition: patronComposition });
  return {
    jobTypes: patronComposition.jobs.length,
    async close() {
      await runtime.stop();
      await dbHandle.close();
    },
  };
}

export type Core = { dbHandle: DbHandle; keyring: Awaited<ReturnType<typeof loadKeyring>>; masterKey: Buffer; log: Logger };

/** Database + keyring without HTTP or workers: what one-shot commands (seed, rotate-key) need. */
export async function openCore(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Core> {
  const dbHandle = await openDatabase(config, log);
  const masterKey = resolveMasterKey(config.masterKey, config.dataDir, log);
  return { dbHandle, keyring: await loadKeyring(dbHandle.db, masterKey), masterKey, log };
}
