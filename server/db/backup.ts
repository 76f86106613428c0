import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { type RawBuilder, sql } from 'kysely';
import type { Db } from './create-db.ts';
import { appliedMigrations, migrateTo, migrateToLatest, migrations } from './migrate.ts';

/**
 * Logical backup: every table of the public schema (not the job queue, not migration bookkeeping)
 * as gzip-compressed JSON lines — a header, then per table its name and one JSON object per row.
 * Encrypted fields stay encrypted: restoring needs the same master key. The change queue (customer_changes)
 * is not kept: restoring the customers refills it through its triggers.
 */
const FORMAT = 'patron-backup';
const SKIP = new Set(['kysely_migration', 'kysely_migration_lock', 'customer_changes']);
const TRIGGER_WRITTEN = ['domain_events'];
const BATCH = 5000;

type Header = { format: typeof FORMAT; version: 1; createdAt: string; migrations: string[]; tables: string[] };
type Line = Header | { table: string } | { row: Record<string, unknown> } | { end: string; rows: number };

export type BackupProgress = (table: string, rows: number) => void;

/** Tables in foreign-key order (referenced tables first). */
export async function tablesInDependencyOrder(db: Db): Promise<string[]> {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1`.execute(db);
  const deps = await sql<{ child: string; parent: string }>`
    select cl.relname as child, pr.relname as parent from pg_constraint k
    join pg_class cl on cl.oid = k.conrelid join pg_class pr on pr.oid = k.confrelid
    join pg_namespace n on n.oid = cl.relnamespace
    where k.contype = 'f' and n.nspname = 'public' and cl.relname <> pr.relname`.execute(db);
  const names = tables.rows.map((t) => t.name).filter((t) => !SKIP.has(t));
  const ordered: string[] = [];
  const visit = (t: string, path: Set<string>) => {
    if (ordered.includes(t) || path.has(t)) return;
    path.add(t);
    for (const d of deps.rows.filter((d) => d.child === t)) visit(d.parent, path);
    ordered.push(t);
  };
  // Tables the triggers of others write (orders and segment memberships emit domain events) come first, so those
  // triggers meet the restored rows (each event once, by key) instead of the restored rows meeting theirs.
  for (const t of [...TRIGGER_WRITTEN.filter((t) => names.includes(t)), ...names]) visit(t, new Set());
  return ordered;
}

async function* backupLines(db: Db, onProgress?: BackupProgress): AsyncGenerator<string> {
  const tables = await tablesInDependencyOrder(db);
  const header: Header = {
    format: FORMAT,
    version: 1,
    createdAt: new Date().toISOString(),
    migrations: await appliedMigrations(db),
    tables,
  };
  yield `${JSON.stringify(header)}\n`;
  for (const table of tables) {
    yield `${JSON.stringify({ table })}\n`;
    let count = 0;
    // A cursor reads the table once, in its stored order: pages by offset re-read every earlier page, and their
    // `order by 1` sorted every row's JSON (the select list's first column) for each page of 5,000.
    await sql`declare backup_rows no scroll cursor for select to_jsonb(t) as r from ${sql.table(table)} t`.execute(db);
    for (;;) {
      const rows = await sql<{ r: Record<string, unknown> }>`fetch ${sql.raw(String(BATCH))} from backup_rows`.execute(db);
      for (const { r } of rows.rows) yield `${JSON.stringify({ row: r })}\n`;
      count += rows.rows.length;
      onProgress?.(table, count);
      if (rows.rows.length < BATCH) break;
    }
    await sql`close backup_rows`.execute(db);
    yield `${JSON.stringify({ end: table, rows: count })}\n`;
  }
}

/**
 * Writes the backup from one read-only repeatable-read transaction: every table as of the same moment, however
 * long the backup takes and whatever is written meanwhile (an order and its customer both or neither).
 */
export async function backupToFile(db: Db, file: string, onProgress?: BackupProgress): Promise<void> {
  await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => pipeline(Readable.from(backupLines(trx, onProgress)), createGzip(), createWriteStream(file)));
}

export class RestoreError extends Error {}

async function assertEmpty(db: Db, tables: string[]) {
  for (const table of tables) {
    const row = await sql<{ any: boolean }>`select exists (select 1 from ${sql.table(table)}) as any`.execute(db);
    if (row.rows[0]?.any) throw new RestoreError(`The target database is not empty: table ${table} has rows.`);
  }
}

async function insertRows(db: Db, table: string, rows: Record<string, unknown>[]) {
  if (rows.length === 0) return;
  await sql`insert into ${sql.table(table)} select * from jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::jsonb)`.execute(
    db,
  );
}

async function resetSequences(db: Db, tables: string[]) {
  for (const table of tables) {
    const idCol = await sql<{ col: string }>`
      select attname as col from pg_attribute where attrelid = ${table}::regclass and attidentity <> '' limit 1`.execute(db);
    const col = idCol.rows[0]?.col;
    if (!col) continue;
    await sql`select setval(pg_get_serial_sequence(${table}, ${col}), coalesce(max(${sql.ref(col)}), 1), max(${sql.ref(col)}) is not null)
      from ${sql.table(table)}`.execute(db);
  }
}

/**
 * A table's references to itself (a customer merged into another) are checked when the restore commits, not per
 * batch: a backup holds rows in stored order, where a merged customer can come before the one it was merged into.
 */
async function deferSelfReferences(db: Db): Promise<() => Promise<void>> {
  const refs = await sql<{ table_name: string; name: string }>`
    select cl.relname as table_name, c.conname as name from pg_constraint c join pg_class cl on cl.oid = c.conrelid
    join pg_namespace n on n.oid = cl.relnamespace
    where c.contype = 'f' and c.conrelid = c.confrelid and n.nspname = 'public' and not c.condeferrable`.execute(db);
  // One after another: they share the restore's one connection.
  const alter = async (mode: RawBuilder<unknown>) => {
    for (const r of refs.rows) await sql`alter table ${sql.table(r.table_name)} alter constraint ${sql.id(r.name)} ${mode}`.execute(db);
  };
  await alter(sql`deferrable initially deferred`);
  return async () => {
    // Checked now (a violation fails the restore here), then the constraints are as they were.
    await sql`set constraints all immediate`.execute(db);
    await alter(sql`not deferrable`);
  };
}

/** Restores a backup into a migrated, empty database, in one transaction (`batchSize` rows an insert). */
export async function restoreFromFile(
  db: Db,
  file: string,
  onProgress?: BackupProgress,
  opts: { batchSize?: number } = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const batchSize = opts.batchSize ?? 1000;
  await db.transaction().execute(async (trx) => {
    const checkSelfReferences = await deferSelfReferences(trx);
    // Created right before iterating: readline drops lines emitted before its async iterator starts.
    const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
    let header: Header | undefined;
    let table: string | undefined;
    let pending: Record<string, unknown>[] = [];
    for await (const text of lines) {
      if (!text) continue;
      const line = JSON.parse(text) as Line;
      if (!header) {
        if (!('format' in line) || line.format !== FORMAT) throw new RestoreError('Not a Patron backup file.');
        const known = Object.keys(migrations);
        const unknown = line.migrations.filter((m) => !known.includes(m));
        if (unknown.length > 0) throw new RestoreError(`The backup needs newer migrations: ${unknown.join(', ')}. Upgrade Patron first.`);
        const at = await appliedMigrations(trx);
        if (at.join() !== line.migrations.join())
          throw new RestoreError(
            `The database is at ${at.at(-1) ?? 'no migration'}, the backup at ${line.migrations.at(-1)}: restore into a fresh database (patron restore prepares it at the backup's version, then upgrades it).`,
          );
        header = line;
        await assertEmpty(trx, await tablesInDependencyOrder(trx));
      } else if ('table' in line) {
        table = line.table;
        counts[table] = 0;
      } else if ('row' in line && table) {
        pending.push(line.row);
        if (pending.length >= batchSize) {
          await insertRows(trx, table, pending);
          counts[table] += pending.length;
          onProgress?.(table, counts[table]);
          pending = [];
        }
      } else if ('end' in line && table) {
        await insertRows(trx, table, pending);
        counts[table] += pending.length;
        pending = [];
        if (counts[table] !== line.rows) throw new RestoreError(`Table ${table}: expected ${line.rows} rows, read ${counts[table]}.`);
        // Identities continue after the restored ids at once: a later table's trigger may add rows to this one.
        await resetSequences(trx, [table]);
        onProgress?.(table, counts[table]);
      }
    }
    if (!header) throw new RestoreError('The backup file is empty.');
    await resetSequences(trx, header.tables);
    await checkSelfReferences();
  });
  return counts;
}

/** A backup's header: the migrations it was made at and its tables. */
export async function readBackupHeader(file: string): Promise<Header> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    if (!text) continue;
    const line = JSON.parse(text) as Line;
    lines.close();
    if (!('format' in line) || line.format !== FORMAT) throw new RestoreError('Not a Patron backup file.');
    return line;
  }
  throw new RestoreError('The backup file is empty.');
}

/**
 * A backup of this or an older version into a fresh database: the schema brought to the backup's migrations, the rows
 * restored, then the migrations since applied to them — an upgrade as a running shop's database would have it.
 */
export async function restoreAndUpgrade(db: Db, file: string, onProgress?: BackupProgress) {
  const header = await readBackupHeader(file);
  const last = header.migrations.at(-1);
  if ((await appliedMigrations(db)).length === 0 && last && last in migrations) await migrateTo(db, last);
  const counts = await restoreFromFile(db, file, onProgress);
  const { applied } = await migrateToLatest(db);
  return { counts, upgradedBy: applied };
}
