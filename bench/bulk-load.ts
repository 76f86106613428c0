import { sql } from 'kysely';
import { createDb, type Db } from '../server/db/index.ts';

/**
 * The tables a seed fills by the million: their plain (non-unique) indexes are built once, after the load. The people's
 * too: their blind indexes (phone, e-mail, address, phone tail) and the name trigrams take keys in random order, and
 * at L (1M people: over 200 MB of them against 128 MB of shared buffers) the load slowed as they grew.
 */
const BULK_TABLES = ['events', 'orders', 'order_items', 'customers', 'customer_identities', 'customer_addresses'];

/**
 * Unique constraints no loader resolves a conflict on, built after the load too: generated history has no message ids,
 * and inserting millions of nulls into that index was ~30% of the time an event took to store (2M events: 4.7 s with
 * it, 3.5 s without).
 */
const AFTER_LOAD_UNIQUE = [{ table: 'events', columns: ['message_id'] }];

/**
 * PostgreSQL's own advice for populating a database, applied to the benchmark's seed: the plain indexes of the big
 * tables dropped before and built after (one sort each instead of millions of random inserts), and the load run with
 * `session_replication_role = replica`, which fires no triggers — so neither change capture (`customer_changes`: the
 * benchmark rebuilds segment activity in bulk after the seed) nor the order lifecycle's domain events (five per
 * order, then one delivery per subscriber: history no subscriber should act on) are written for generated history.
 * Unique indexes and keys stay (the load's `on conflict` needs them), but for `AFTER_LOAD_UNIQUE`. The role only for
 * a superuser. On PostgreSQL (`url`) the load gets a pool of its own opened with the role; the embedded database, one
 * session, sets it for the load and resets it after.
 */
export async function bulkLoaded<T>(url: string | null, db: Db, load: (db: Db) => Promise<T>): Promise<T> {
  const plain = await sql<{ name: string; table: string; definition: string }>`
    select c.relname as name, i.indrelid::regclass::text as table, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = any(${BULK_TABLES}::regclass[]) and not i.indisunique and not i.indisprimary`.execute(db);
  for (const index of plain.rows) await sql`drop index ${sql.id(index.name)}`.execute(db);
  const unique = await sql<{ name: string; table: string; definition: string }>`
    select k.conname as name, k.conrelid::regclass::text as table,
      format('alter table %s add constraint %I %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid)) as definition
    from pg_constraint k join jsonb_to_recordset(${JSON.stringify(AFTER_LOAD_UNIQUE)}::jsonb) u("table" text, columns text[])
      on k.conrelid = u.table::regclass
    where k.contype = 'u'
      and (select array_agg(a.attname::text order by a.attname) from pg_attribute a where a.attrelid = k.conrelid and a.attnum = any(k.conkey))
        = (select array_agg(c order by c) from unnest(u.columns) c)`.execute(db);
  for (const c of unique.rows) await sql`alter table ${sql.id(c.table)} drop constraint ${sql.id(c.name)}`.execute(db);
  // Only a superuser may set the role; anyone else loads with the triggers on (slower, the same data).
  const superuser = (await sql<{ on: string }>`select current_setting('is_superuser') as on`.execute(db)).rows[0].on === 'on';
  try {
    if (!url) {
      if (superuser) await sql`set session_replication_role = replica`.execute(db);
      try {
        return await load(db);
      } finally {
        if (superuser) await sql`reset session_replication_role`.execute(db);
      }
    }
    const separator = url.includes('?') ? '&' : '?';
    const handle = await createDb({
      kind: 'postgres',
      url: superuser ? `${url}${separator}options=${encodeURIComponent('-c session_replication_role=replica')}` : url,
      poolSize: 2,
    });
    try {
      return await load(handle.db);
    } finally {
      await handle.close();
    }
  } finally {
    await rebuild(url, db, [...plain.rows, ...unique.rows]);
  }
}

/**
 * Builds the dropped indexes again, the largest tables' first. On PostgreSQL in two sessions at once: one build is
 * mostly one core (a parallel build's merge and its writing are the leader's alone), and a machine has more. The
 * embedded database has one session.
 */
async function rebuild(url: string | null, db: Db, indexes: readonly { table: string; definition: string }[]): Promise<void> {
  const sizes = await sql<{ table: string; bytes: string }>`
    select t as table, pg_relation_size(t::regclass)::text as bytes from unnest(${[...new Set(indexes.map((i) => i.table))]}::text[]) t`.execute(
    db,
  );
  const bytes = new Map(sizes.rows.map((r) => [r.table, Number(r.bytes)]));
  const queue = [...indexes].sort((a, b) => bytes.get(b.table)! - bytes.get(a.table)!);
  const lane = async (into: Db) =>
    into.connection().execute(async (conn) => {
      await sql`set maintenance_work_mem = '1GB'`.execute(conn);
      for (let next = queue.shift(); next; next = queue.shift()) await sql.raw(next.definition).execute(conn);
    });
  if (!url) return lane(db);
  const handle = await createDb({ kind: 'postgres', url, poolSize: 2 });
  try {
    await Promise.all([lane(handle.db), lane(handle.db)]);
  } finally {
    await handle.close();
  }
}
