import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { CompiledQuery, Kysely, PostgresDialect, type PostgresPool, type QueryResult, type RawBuilder } from 'kysely';
import pg from 'pg';
import { from as copyStreamFrom } from 'pg-copy-streams';
import { lockDataDir } from './data-dir-lock.ts';
import { Mutex, PGliteDialect } from './pglite-dialect.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export type SqlResult = { rows: Record<string, unknown>[] };
/** Raw SQL executor in the shape pg-boss expects (`db` option). */
export type ExecuteSql = (text: string, values?: unknown[]) => Promise<SqlResult>;

export type DbHandle = {
  db: Db;
  kind: 'pglite' | 'postgres';
  executeSql: ExecuteSql;
  /** Bulk-loads CSV text (no header) into a table with COPY; returns the rows loaded. */
  copyFrom(table: string, columns: readonly string[], csv: string): Promise<number>;
  close(): Promise<void>;
};

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
function copyStatement(table: string, columns: readonly string[], from: string): string {
  for (const name of [table, ...columns]) if (!IDENTIFIER.test(name)) throw new Error(`copyFrom: not a plain identifier: ${name}`);
  return `copy ${table} (${columns.join(', ')}) from ${from} with (format csv)`;
}

export type DbOptions = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; dataDir?: string; loadDataDir?: Blob };

// int8 → number (ids and counts stay far below 2^53); date → 'YYYY-MM-DD' string, never shifted by time zone.
const parseInt8 = (v: string) => Number(v);
const keepDate = (v: string) => v;
const INT8 = 20;
const DATE = 1082;

/** SQL texts prepared once per connection, by statement name (see `executePrepared`). */
const preparedNames = new Map<string, string>();

/** How many statement texts `executePrepared` names at most; beyond them statements run unnamed, as elsewhere. */
const MAX_PREPARED_STATEMENTS = 200;

/**
 * Runs a statement prepared once per connection, named by a hash of its text: for a hot read of fixed text run over
 * and over (the customer 360, its modules' panels included), whose planning costs more than its execution. Only for
 * statements of fixed text (values bound); a bounded number of texts is named, and a text once named stays prepared
 * wherever it runs later (the same text, the same plan). PGlite runs them as usual. The text is named before it is
 * sent: marking the call instead (an async context around it) made every promise of the process pay for the mark.
 */
export function executePrepared<R>(db: Kysely<Database>, query: RawBuilder<R>): Promise<QueryResult<R>> {
  const compiled = query.compile(db);
  if (!preparedNames.has(compiled.sql) && preparedNames.size < MAX_PREPARED_STATEMENTS) {
    preparedNames.set(compiled.sql, `scoped_${createHash('sha1').update(compiled.sql).digest('hex').slice(0, 20)}`);
  }
  return db.executeQuery(compiled);
}

/** A pg pool whose clients send the statements named by `executePrepared` under their name. */
function preparingPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakSet<pg.PoolClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      if (!wrapped.has(client)) {
        // Pooled clients come back; wrap each once.
        wrapped.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        Object.assign(client, {
          // The pool's own `pool.query` passes a callback third: keep every argument.
          query: (text: unknown, ...rest: unknown[]) => {
            const name = typeof text === 'string' ? preparedNames.get(text) : undefined;
            return name ? query({ name, text, values: rest[0] }, ...rest.slice(1)) : query(text, ...rest);
          },
        });
      }
      return client as unknown as Awaited<ReturnType<PostgresPool['connect']>>;
    },
    end: () => pool.end(),
  };
}

function createPostgres(url: string, poolSize: number): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === INT8) return parseInt8;
        if (oid === DATE) return keepDate;
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {}); // idle-client errors are retried by the pool; queries still report theirs
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  const executeSql: ExecuteSql = async (text, values) => {
    const result = await pool.query(text, values);
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return { rows: last?.rows ?? [] };
  };
  const copyFrom = async (table: string, columns: readonly string[], csv: string) => {
    const client = await pool.connect();
    try {
      const stream = client.query(copyStreamFrom(copyStatement(table, columns, 'stdin')));
      await pipeline(Readable.from([csv]), stream);
      return stream.rowCount;
    } finally {
      client.release();
    }
  };
  return { db, kind: 'postgres', executeSql, copyFrom, close: () => db.destroy() };
}

async function createPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<DbHandle> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const lock = dataDir ? lockDataDir(dataDir) : null;
  const pglite = await PGlite.create({
    dataDir,
    loadDataDir,
    extensions: { pg_trgm, fuzzystrmatch },
    parsers: { [INT8]: parseInt8, [DATE]: keepDate },
  }).catch((err: unknown) => {
    lock?.release();
    throw err;
  });
  const mutex = new Mutex();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, mutex) });
  const executeSql: ExecuteSql = (text, values) =>
    mutex.run(async () => {
      if (values && values.length > 0) return pglite.query<Record<string, unknown>>(text, values);
      const results = await pglite.exec(text);
      return { rows: results[results.length - 1]?.rows ?? [] };
    });
  const copyFrom = (table: string, columns: readonly string[], csv: string) =>
    mutex.run(
      async () => (await pglite.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([csv]) })).affectedRows ?? 0,
    );
  return {
    db,
    kind: 'pglite',
    executeSql,
    copyFrom,
    close: async () => {
      await db.destroy();
      await mutex.run(() => pglite.close());
      lock?.release();
    },
  };
}

export async function createDb(options: DbOptions): Promise<DbHandle> {
  return options.kind === 'postgres'
    ? createPostgres(options.url, options.poolSize ?? 10)
    : createPglite(options.dataDir, options.loadDataDir);
}

/** Database options from configuration: PostgreSQL when DATABASE_URL is set, else embedded PGlite. */
export function dbOptionsFromConfig(config: { databaseUrl?: string; dataDir: string; dbPoolSize?: number }): DbOptions {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl, poolSize: config.dbPoolSize }
    : { kind: 'pglite', dataDir: join(config.dataDir, 'pgdata') };
}

/** pg-boss-shaped executor bound to a Kysely transaction, so jobs are enqueued inside it. */
export function transactionExecutor(trx: Db): ExecuteSql {
  return async (text, values) => {
    const result = await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, values ?? []));
    return { rows: [...result.rows] };
  };
}
