import type { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** A turn of the event loop: pending I/O (requests that arrived meanwhile) runs before what follows. */
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * A FIFO lock. PGlite is a single connection: a transaction must own it from BEGIN to COMMIT, or
 * statements issued by other callers in between would run inside that transaction. PGlite executes in this thread
 * and its promises resolve as microtasks, so a job's statements chained one after another would never let the event
 * loop read a waiting request; each hand-over first yields a turn, so requests that arrived meanwhile queue up and
 * run after at most one more statement of the job.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const ready = this.#tail.then(nextTurn).then(() => release);
    this.#tail = this.#tail.then(() => held);
    return ready;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

type Rows = { rows: Record<string, unknown>[]; affectedRows?: number };

function toQueryResult<R>(result: Rows): QueryResult<R> {
  const affected = result.affectedRows;
  return { rows: result.rows as R[], ...(affected !== undefined ? { numAffectedRows: BigInt(affected) } : {}) };
}

class PGliteConnection implements DatabaseConnection {
  constructor(readonly pg: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters use the simple protocol, which (like node-postgres) allows several statements.
    const result =
      query.parameters.length > 0
        ? await this.pg.query<Record<string, unknown>>(query.sql, [...query.parameters])
        : ((await this.pg.exec(query.sql)).at(-1) ?? { rows: [] });
    return toQueryResult<R>(result);
  }

  /** Streaming is emulated by one buffered result. */
  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(query);
  }
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(
    pg: PGlite,
    readonly mutex: Mutex,
  ) {
    this.#connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.acquire();
    // One physical connection: a fresh wrapper per acquisition keeps release bookkeeping exact.
    const conn = new PGliteConnection(this.#connection.pg);
    this.#releases.set(conn, release);
    return conn;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    const mode = settings.accessMode ? ` ${settings.accessMode}` : '';
    await (conn as PGliteConnection).pg.query(`begin${level}${mode}`);
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await (conn as PGliteConnection).pg.query('commit');
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await (conn as PGliteConnection).pg.query('rollback');
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.#releases.get(conn)?.();
    this.#releases.delete(conn);
  }

  async destroy(): Promise<void> {}
}

export class PGliteDialect implements Dialect {
  constructor(
    readonly pg: PGlite,
    readonly mutex: Mutex,
  ) {}

  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg, this.mutex);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's introspector accepts any database shape
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
