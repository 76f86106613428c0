import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { sql } from 'kysely';
import type { Db, ImportKind } from '../../../db/index.ts';
import { type Keyring, encryptField } from '../../../platform/crypto.ts';
import { AppError } from '../../../platform/errors.ts';
import { replaceNulBytes } from '../../../platform/nul.ts';
import { ensureChannel, upsertProducts } from '../../commerce/index.ts';
import { ensureAttributes, maskPersonalCells } from '../../customers/index.ts';
import { dayParser, makeDateParser } from './dates.ts';
import { type Encoding, detectFileEncoding, toUtf8, utf8Stream } from './encoding.ts';
import { importEventRows } from './event-rows.ts';
import { TARGETS, suggestMapping } from './mapping.ts';
import { importCustomerRow, importCustomerRows } from './customer-rows.ts';
import { type PreparedOrders, importOrderGroup, importOrderGroups, prepareOrderGroups } from './order-rows.ts';
import { importProductRow } from './product-rows.ts';
import { type ImportOptions, type Outcome, type Row, RowProblem, emptyOutcome, reader } from './rows.ts';

export type RunImportOptions = {
  kind: ImportKind;
  file: string;
  /** target → source column; merged over the mapping suggested from the header. */
  mapping?: Record<string, string>;
  channel?: string;
  dateFormat?: string;
  timeZone: string;
  currency: string;
  batchSize?: number;
  now: () => Date;
  onProgress?: (bytes: number, totalBytes: number, rows: number) => void;
  /** Test hook: stop (as a crash would) after this many committed batches. */
  stopAfterBatches?: number;
  /** Imports of at least this many rows end with `vacuum analyze` of the tables they wrote (default 50,000). */
  vacuumFrom?: number;
  /** The file's text encoding; detected from its first bytes when absent. */
  encoding?: Encoding;
  /** Orders: an id starting with this prefix and a digit is a return (off unless given). */
  returnsPrefix?: string;
  /** Change non-empty profile fields of existing customers; otherwise an import only fills empty ones. */
  updateExisting?: boolean;
  /** Columns not mapped to a field kept as custom attributes of the row's person (column → attribute key). */
  attributes?: Record<string, string>;
};

export type ImportSummary = {
  id: number;
  kind: ImportKind;
  status: string;
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Returns of purchases the data never showed, refunded against their buyers. */
  unlinkedReturns: number;
  encoding: Encoding;
  resumedFrom: number;
  alreadyImported: boolean;
  mapping: Record<string, string>;
};

export const importErrors = {
  unknownTarget: (t: string, kind: ImportKind) =>
    new AppError('IMPORT_MAPPING_INVALID', 'invalid', `"${t}" is not a field of ${kind} imports. Fields: ${TARGETS[kind].join(', ')}.`),
  unknownColumn: (c: string) => new AppError('IMPORT_MAPPING_INVALID', 'invalid', `The file has no column "${c}".`),
  missingRequired: (t: string) => new AppError('IMPORT_MAPPING_INVALID', 'invalid', `Map the required field "${t}" (--map ${t}=Column).`),
  notFound: (id: number) => new AppError('IMPORT_NOT_FOUND', 'not_found', `Import ${id} does not exist.`),
  attributeMapped: (c: string) =>
    new AppError('IMPORT_MAPPING_INVALID', 'invalid', `Column "${c}" is mapped to a field; it cannot also be kept as an attribute.`),
  attributeKey: (k: string) =>
    new AppError(
      'IMPORT_MAPPING_INVALID',
      'invalid',
      `"${k}" is not a valid attribute key (a lowercase letter, then lowercase letters, digits or _; up to 40).`,
    ),
  notUndoable: (id: number, status: string) =>
    new AppError('IMPORT_NOT_UNDOABLE', 'conflict', `Import ${id} is ${status}; only a completed or failed import can be undone.`),
};

/** Keys of custom attributes an import may create. */
const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,39}$/;

const REQUIRED: Record<ImportKind, string[]> = {
  customers: [],
  orders: ['order_id', 'placed_at'],
  products: ['sku'],
  events: ['event', 'occurred_at'],
};

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readHeader(file: string, encoding: Encoding): Promise<string[]> {
  const parser = utf8Stream(file, encoding).pipe(parse({ bom: true, to_line: 1, relax_column_count: true }));
  for await (const record of parser) return (record as string[]).map((h) => h.trim());
  return [];
}

export function resolveMapping(kind: ImportKind, header: string[], given: Record<string, string>) {
  for (const [t, c] of Object.entries(given)) {
    if (!TARGETS[kind].includes(t)) throw importErrors.unknownTarget(t, kind);
    if (!header.includes(c)) throw importErrors.unknownColumn(c);
  }
  const mapping = { ...suggestMapping(kind, header), ...given };
  for (const t of REQUIRED[kind]) if (!mapping[t]) throw importErrors.missingRequired(t);
  return mapping;
}

const PERSONAL_TARGETS = ['email', 'phone', 'address', 'name'];

async function persistBatch(
  trx: Db,
  keyring: Keyring,
  importId: number,
  rowsInBatch: number,
  out: Outcome,
  mapping: Record<string, string>,
) {
  if (out.errors.length > 0) {
    // Rejected rows are kept for the error report with their personal cells masked, and encrypted as read (for a
    // user who may see personal data to fix and import them again); never stored in clear.
    const personal = PERSONAL_TARGETS.map((t) => mapping[t]).filter((c): c is string => Boolean(c));
    await trx
      .insertInto('import_errors')
      .values(
        out.errors.map((e) => ({
          import_id: importId,
          row_number: e.row,
          column_name: e.column,
          reason: e.reason,
          raw: JSON.stringify(maskPersonalCells(e.raw, personal)),
          raw_enc: encryptField(keyring, JSON.stringify(e.raw)),
        })),
      )
      .execute();
  }
  await keepBeforeImages(trx, importId, out.before ?? []);
  const failedRows = new Set(out.errors.filter((e) => !e.reason.endsWith('(row imported without it)')).map((e) => e.row)).size;
  await sql`update imports set rows_done = rows_done + ${rowsInBatch}, created = created + ${out.created}, updated = updated + ${out.updated},
    skipped = skipped + ${out.skipped ?? 0}, failed = failed + ${failedRows}, unlinked_returns = unlinked_returns + ${out.unlinkedReturns ?? 0}
    where id = ${importId}`.execute(trx);
}

/** The first value this import saw of each field it changed wins: it is the profile as it was before the import. */
async function keepBeforeImages(trx: Db, importId: number, images: readonly { customerId: number; fields: Record<string, unknown> }[]) {
  if (images.length === 0) return;
  const first = new Map<number, Record<string, unknown>>();
  for (const i of images) first.set(i.customerId, { ...i.fields, ...first.get(i.customerId) });
  await trx
    .insertInto('import_before_images')
    .values([...first].map(([customerId, fields]) => ({ import_id: importId, customer_id: customerId, fields: JSON.stringify(fields) })))
    .onConflict((oc) =>
      oc.columns(['import_id', 'customer_id']).doUpdateSet({ fields: sql`excluded.fields || import_before_images.fields` }),
    )
    .execute();
}

async function recordEntities(trx: Db, importId: number, out: Outcome) {
  if (out.records.length === 0) return;
  // One row per entity: a return invoice of several lines refunds one order several times (`on conflict do update`
  // cannot touch a row twice in one statement).
  const byEntity = new Map<
    string,
    { import_id: number; entity: Outcome['records'][number]['entity']; entity_id: number; amount: number }
  >();
  for (const r of out.records) {
    const key = `${r.entity}|${r.id}`;
    const seen = byEntity.get(key);
    if (seen) seen.amount += r.amount ?? 0;
    else byEntity.set(key, { import_id: importId, entity: r.entity, entity_id: r.id, amount: r.amount ?? 0 });
  }
  await trx
    .insertInto('import_records')
    .values([...byEntity.values()])
    .onConflict((oc) =>
      oc.columns(['import_id', 'entity', 'entity_id']).doUpdateSet({ amount: sql`import_records.amount + excluded.amount` }),
    )
    .execute();
  out.records = [];
}

/**
 * A batch cut into groups (an order's rows together), its orders read and checked: everything before the database.
 * `people`: who its rows are about, as written (see `PEOPLE`).
 */
type PreparedBatch = { rows: Row[]; groups: Row[][]; orders: PreparedOrders | null; people: ReadonlySet<string> };

/** The columns naming who a row is about (products: the product), as written in the file. */
const PEOPLE: Record<ImportKind, string[]> = {
  customers: ['external_id', 'email', 'phone'],
  orders: ['customer_external_id', 'email', 'phone'],
  products: ['sku'],
  events: ['customer_external_id', 'email', 'phone', 'anonymous_id'],
};

/** Whether two batches name one person (or product): then the later one waits instead of racing for the same rows. */
const overlap = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].some((x) => b.has(x));

function prepareBatch(
  keyring: Keyring,
  kind: ImportKind,
  batch: Row[],
  mapping: Record<string, string>,
  o: ImportOptions,
  before: PreparedBatch | null,
): PreparedBatch {
  const groups: Row[][] = [];
  const get = reader(mapping);
  for (const row of batch) {
    const last = groups[groups.length - 1];
    if (kind === 'orders' && last && get(last[0], 'order_id') === get(row, 'order_id')) last.push(row);
    else groups.push([row]);
  }
  const orders = kind === 'orders' ? prepareOrderGroups(keyring, groups, mapping, o, before?.orders?.named ?? new Set()) : null;
  const people = new Set<string>();
  for (const row of batch) {
    for (const t of PEOPLE[kind]) {
      const value = get(row, t);
      if (value) people.add(`${t}:${value}`);
    }
  }
  return { rows: batch, groups, orders, people };
}

/** The batch before this one did not commit (it failed, or it had not started when this one looked). */
class OutOfOrder extends Error {}

/** PostgreSQL's codes for a transaction that lost a race with another (a deadlock, a serialization failure). */
const CONFLICT_CODES = new Set(['40P01', '40001']);
const isConflict = (err: unknown) => err instanceof OutOfOrder || CONFLICT_CODES.has((err as { code?: string }).code ?? '');

/**
 * Two batches of an import are in the database at once, each in its own transaction, and commit in file order:
 * a batch holds an advisory lock named by its last row until it commits, and the next batch takes that lock and
 * checks the import's progress before its own rows that depend on the batch before (an order continued from it, a
 * return of what it bought) and before its commit. Every wait is one PostgreSQL sees, so a cycle between the two
 * (both updating one person, say) is a deadlock it breaks; the loser runs again after the batch before it.
 */
async function followBatch(trx: Db, importId: number, after: number) {
  await sql`select pg_advisory_xact_lock(${importId}::int, ${after}::int)`.execute(trx);
  const r = await sql<{ rows_done: number }>`select rows_done from imports where id = ${importId}`.execute(trx);
  if (Number(r.rows[0]?.rows_done) !== after) throw new OutOfOrder(`the batch ending at row ${after} has not committed`);
}

/** Stores one prepared batch in its own transaction; a row's failure is recorded, not fatal. */
async function runBatch(
  db: Db,
  keyring: Keyring,
  kind: ImportKind,
  prepared: PreparedBatch,
  mapping: Record<string, string>,
  o: ImportOptions,
  productIds: ReadonlyMap<string, number>,
) {
  const { rows: batch, groups, orders } = prepared;
  await db.transaction().execute(async (trx) => {
    // A batch's commit need not wait for its WAL flush: its rows and the import's progress commit together, so a
    // crash loses whole batches that resume repeats, and the import reports completion with a flushed commit.
    await sql`set local synchronous_commit = off`.execute(trx);
    await sql`select pg_advisory_xact_lock(${o.importId}::int, ${batch[batch.length - 1].n}::int)`.execute(trx);
    let followed = false;
    const follow = async () => {
      // The batch before ends at the row before this one's first.
      if (!followed) await followBatch(trx, o.importId, batch[0].n - 1);
      followed = true;
    };
    const out = emptyOutcome();
    let oneByOne = kind === 'products' ? groups : [];
    if (kind !== 'products') {
      // The batch set-based; if the database refuses any of it, every row again on its own below.
      const bulk = emptyOutcome();
      await sql`savepoint import_bulk`.execute(trx);
      try {
        if (kind === 'customers') await importCustomerRows(trx, keyring, batch, mapping, o, bulk);
        else if (kind === 'events') await importEventRows(trx, keyring, batch, mapping, o, bulk);
        else if (orders) oneByOne = await importOrderGroups(trx, keyring, orders, o, bulk, productIds);
        await recordEntities(trx, o.importId, bulk);
        await sql`release savepoint import_bulk`.execute(trx);
        Object.assign(out, {
          created: bulk.created,
          updated: bulk.updated,
          skipped: bulk.skipped,
          errors: bulk.errors,
          before: bulk.before,
          unlinkedReturns: bulk.unlinkedReturns,
        });
      } catch (err) {
        if (isConflict(err)) throw err;
        await sql`rollback to savepoint import_bulk`.execute(trx);
        oneByOne = groups;
      }
    }
    if (oneByOne.length > 0) await follow();
    for (const group of oneByOne) {
      const imaged = out.before?.length ?? 0;
      await sql`savepoint import_row`.execute(trx);
      try {
        if (kind === 'customers') await importCustomerRow(trx, keyring, group[0], mapping, o, out);
        else if (kind === 'products') await importProductRow(trx, group[0], mapping, o, out);
        else if (kind === 'events') await importEventRows(trx, keyring, group, mapping, o, out);
        else await importOrderGroup(trx, keyring, group, mapping, o, out, productIds);
        await recordEntities(trx, o.importId, out);
        await sql`release savepoint import_row`.execute(trx);
      } catch (err) {
        if (isConflict(err)) throw err;
        await sql`rollback to savepoint import_row`.execute(trx);
        out.records = [];
        out.before?.splice(imaged);
        // A row the database refuses (a value out of range, say) is that row's failure, not the import's.
        const column = err instanceof RowProblem ? err.column : null;
        const reason =
          err instanceof RowProblem || err instanceof AppError ? err.message : `could not be stored: ${(err as Error).message}`;
        for (const row of group) out.errors.push({ row: row.n, column, reason, raw: row.cells });
      }
    }
    await follow();
    await persistBatch(trx, keyring, o.importId, batch.length, out, mapping);
  });
}

/**
 * Runs a batch beside the one before it (`before`: that batch's outcome, null once it committed). A batch that loses
 * a race — a deadlock with a batch beside it, or the batch before it had not committed when it looked — runs again
 * once the batch before it is done; a few times at most (another import of the same file would never let it pass).
 * `products`: the batch's products, stored (in file order) before its transaction.
 */
async function runFollowingBatch(
  db: Db,
  keyring: Keyring,
  kind: ImportKind,
  prepared: PreparedBatch,
  mapping: Record<string, string>,
  o: ImportOptions,
  before: Promise<unknown>,
  products: Promise<ReadonlyMap<string, number>>,
) {
  const productIds = await products;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runBatch(db, keyring, kind, prepared, mapping, o, productIds);
    } catch (err) {
      const failedBefore = await before;
      if (failedBefore) throw failedBefore;
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/**
 * Stores a batch's products once the batch before stored its own, each in a transaction of its own: products are
 * reference data an order's lines name, and updated inside the batches (a price that changes from batch to batch)
 * they would be rows both batches side by side lock. If the database refuses them, the batch stores them itself
 * (and reports the rows it cannot store).
 */
const storeProducts = (db: Db, prepared: PreparedBatch, before: Promise<unknown>): Promise<ReadonlyMap<string, number>> =>
  before.then(() => (prepared.orders ? upsertProducts(db, prepared.orders.products) : new Map())).catch(() => new Map());

export const VACUUM_FROM = 50_000;
/** Batches in the database at once: one core of PostgreSQL each, while this process reads and parses the next. */
const IN_FLIGHT = 2;
const ATTEMPTS = 5;
const WRITTEN: Record<ImportKind, string> = {
  customers: 'customers, customer_identities, customer_addresses',
  orders: 'orders, order_items, customers, customer_identities, customer_addresses, products',
  products: 'products',
  events: 'events, customers, customer_identities',
};

/**
 * `vacuum analyze` of what an import wrote, as a bulk load should end. Until the statistics are refreshed the
 * planner estimates from the tables as they were (segment counts and metrics over a freshly doubled orders table got
 * plans for the small one). And new rows land in the free space of old pages, clearing their visibility-map bits:
 * 200,000 customers imported at scale L left 31,347 of 49,895 pages of `customers` not all-visible, so the segment
 * count's index-only scans went to the heap for 246,304 of 273,423 customers of a range (the count 1.4–1.6 s; 0.94–1.27
 * after the vacuum). Autovacuum, where it is on, would not come by: 200,000 inserts are below its default threshold
 * of 20% of a million rows. Each vacuum reads only the pages that are not all-visible (~2 s at L for all six tables).
 */
export async function vacuumTables(db: Db, kind: ImportKind) {
  await sql.raw(`vacuum (analyze) ${WRITTEN[kind]}`).execute(db);
}

/**
 * Imports a CSV file, streaming with constant memory, in batches that each commit with the import's
 * progress — so an interrupted import (same file, same kind) resumes after the last committed row
 * without duplicates. Every rejected row is kept with its row number, column and reason.
 */
export async function runImport(db: Db, keyring: Keyring, opts: RunImportOptions): Promise<ImportSummary> {
  const sha = await fileDigest(opts.file);
  const encoding = opts.encoding ?? (await detectFileEncoding(opts.file));
  const header = await readHeader(opts.file, encoding);
  const mapping = resolveMapping(opts.kind, header, opts.mapping ?? {});
  const attributes = checkedAttributes(header, mapping, opts.attributes ?? {});
  const previous = await db
    .selectFrom('imports')
    .selectAll()
    .where('kind', '=', opts.kind)
    .where('file_sha256', '=', sha)
    .where('status', 'in', ['running', ...FINISHED])
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (previous && previous.status !== 'running') return summary(db, previous.id, 0, true, mapping, encoding);
  await ensureAttributes(
    db,
    Object.entries(attributes).map(([column, key]) => ({ key, label: column })),
  );
  const channelCode = opts.channel ?? 'import';
  const channelId = await ensureChannel(db, { code: channelCode, name: channelCode, kind: 'offline', platform: 'csv' });
  const importId =
    previous?.id ??
    (
      await db
        .insertInto('imports')
        .values({
          kind: opts.kind,
          file_name: basename(opts.file),
          file_sha256: sha,
          options: JSON.stringify({
            header,
            mapping,
            attributes,
            channel: channelCode,
            dateFormat: opts.dateFormat,
            timeZone: opts.timeZone,
            currency: opts.currency,
            encoding,
            returnsPrefix: opts.returnsPrefix ?? null,
            updateExisting: Boolean(opts.updateExisting),
          }),
          error: null,
          finished_at: null,
          undone_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const resumeFrom = previous?.rows_done ?? 0;
  const o: ImportOptions = {
    importId,
    channelId,
    channelCode,
    currency: opts.currency,
    parseDate: makeDateParser(opts.dateFormat, opts.timeZone),
    parseDay: dayParser(opts.dateFormat),
    source: `import:${importId}`,
    now: opts.now(),
    returnsPrefix: opts.returnsPrefix || undefined,
    updateExisting: Boolean(opts.updateExisting),
    attributes,
  };
  // 5,000 rows a transaction: per-statement cost dominates smaller batches (2,000 took ~13% longer at scale L), and
  // larger ones leave less to overlap with reading the next (10,000 was slower); a resume repeats at most one batch.
  const batchSize = opts.batchSize ?? 5000;
  const total = statSync(opts.file).size;
  let bytes = 0;
  const stream = createReadStream(opts.file);
  stream.on('data', (c) => {
    bytes += c.length;
  });
  const parser = toUtf8(stream, encoding)
    .pipe(replaceNulBytes())
    .pipe(
      parse({
        bom: true,
        columns: (h: string[]) => h.map((x) => x.trim()),
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        trim: false,
      }),
    );
  let n = 0;
  let batch: Row[] = [];
  let batches = 0;
  const get = reader(mapping);
  // Two batches in the database while the next is read and parsed; they commit one after another, in file order.
  // Each entry settles with its batch's failure, or null once it committed.
  const inFlight: { prepared: PreparedBatch; done: Promise<unknown>; products: Promise<unknown> }[] = [];
  const settle = async (keep: number) => {
    while (inFlight.length > keep) {
      const failed = await inFlight.shift()!.done;
      if (failed) throw failed;
    }
  };
  const submit = async (rows: Row[], rowsRead: number) => {
    const last = inFlight[inFlight.length - 1];
    const prepared = prepareBatch(keyring, opts.kind, rows, mapping, o, last?.prepared ?? null);
    await settle(last && overlap(prepared.people, last.prepared.people) ? 0 : IN_FLIGHT - 1);
    const products = storeProducts(db, prepared, last?.products ?? Promise.resolve());
    const done = runFollowingBatch(db, keyring, opts.kind, prepared, mapping, o, last?.done ?? Promise.resolve(null), products).then(
      () => {
        opts.onProgress?.(bytes, total, rowsRead);
        return null;
      },
      (err: unknown) => err,
    );
    inFlight.push({ prepared, done, products });
  };
  try {
    for await (const cells of parser) {
      n++;
      if (n <= resumeFrom) continue;
      const row = { n, cells: cells as Record<string, string> };
      // Keep an order's rows together: cut a batch only where the order id changes.
      if (batch.length >= batchSize && (opts.kind !== 'orders' || get(row, 'order_id') !== get(batch[batch.length - 1], 'order_id'))) {
        await submit(batch, n - 1);
        batch = [];
        if (opts.stopAfterBatches !== undefined && ++batches >= opts.stopAfterBatches) {
          await settle(0);
          stream.destroy();
          return summary(db, importId, resumeFrom, false, mapping, encoding);
        }
      }
      batch.push(row);
    }
    if (batch.length > 0) await submit(batch, n);
    await settle(0);
    opts.onProgress?.(total, total, n);
    // Most rows refused (a wrong encoding, mapping or date format) is not a completed import.
    await sql`update imports set status = case when failed * 2 > rows_done then 'completed_with_errors' else 'completed' end, finished_at = ${opts.now()}
      where id = ${importId}`.execute(db);
    if (n - resumeFrom >= (opts.vacuumFrom ?? VACUUM_FROM)) await vacuumTables(db, opts.kind);
  } catch (err) {
    await Promise.all(inFlight.map((b) => b.done));
    await db
      .updateTable('imports')
      .set({ error: err instanceof Error ? err.message : String(err) })
      .where('id', '=', importId)
      .execute();
    throw err;
  }
  return summary(db, importId, resumeFrom, false, mapping, encoding);
}

/** Statuses of an import that ran to its end. */
export const FINISHED = ['completed', 'completed_with_errors'] as const;

async function summary(
  db: Db,
  id: number,
  resumedFrom: number,
  alreadyImported: boolean,
  mapping: Record<string, string>,
  encoding: Encoding,
): Promise<ImportSummary> {
  const r = await db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return {
    id,
    kind: r.kind,
    status: r.status,
    rows: r.rows_done,
    created: r.created,
    updated: r.updated,
    skipped: r.skipped,
    failed: r.failed,
    unlinkedReturns: r.unlinked_returns,
    encoding,
    resumedFrom,
    alreadyImported,
    mapping,
  };
}

/** Unmapped columns kept as custom attributes: each must be a column of the file that no field is mapped to. */
function checkedAttributes(header: string[], mapping: Record<string, string>, attributes: Record<string, string>) {
  const mapped = new Set(Object.values(mapping));
  for (const [column, key] of Object.entries(attributes)) {
    if (!header.includes(column)) throw importErrors.unknownColumn(column);
    if (mapped.has(column)) throw importErrors.attributeMapped(column);
    if (!ATTRIBUTE_KEY.test(key)) throw importErrors.attributeKey(key);
  }
  return attributes;
}
