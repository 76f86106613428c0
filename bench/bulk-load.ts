import { sql } from 'kysely';
import { createDb, type Db } from '../server/db/index.ts';

/** The tables a seed fills by the million: their plain (non-unique) indexes are built once, after the load. */
const BULK_TABLES = ['events', 'orders', 'order_items'];

/**
 * PostgreSQL's own advice for populating a database, applied to the benchmark's seed: the plain indexes of the big
 * tables dropped before and built after (one sort each instead of millions of random inserts), and the load run with
 * `session_replication_role = replica`, which fires no triggers — so neither change capture (`customer_changes`: the
 * benchmark rebuilds segment activity in bulk after the seed) nor the order lifecycle's domain events (five per
 * order, then one delivery per subscriber: history no subscriber should act on) are written for generated history.
 * Unique indexes and keys stay: the load's `on conflict` needs them. The role only for a superuser. On PostgreSQL
 * (`url`) the load gets a pool of its own opened with the role; the embedded database, one session, sets it for the
 * load and resets it after.
 */
export async function bulkLoaded<T>(url: string | null, db: Db, load: (db: Db) => Promise<T>): Promise<T> {
  const plain = await sql<{ name: string; definition: string }>`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = any(${BULK_TABLES}::regclass[]) and not i.indisunique and not i.indisprimary`.execute(db);
  for (const index of plain.rows) await sql`drop index ${sql.id(index.name)}`.execute(db);
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
    await db.transaction().execute(async (trx) => {
      await sql`set local maintenance_work_mem = '1GB'`.execute(trx);
      for (const index of plain.rows) await sql.raw(index.definition).execute(trx);
    });
  }
}
