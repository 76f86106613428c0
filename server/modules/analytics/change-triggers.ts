import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { ModuleRegistry } from '../../platform/registry.ts';

const OPS = { insert: 'ins', update: 'upd', delete: 'del' } as const;

/**
 * Every table a module declares as feeding the customer insights (`changes`) marks its people in `customer_changes`
 * through statement triggers named `<table>_changed_<ins|upd|del>`. Creates those that are missing (a module added
 * since the last start); the ones the migrations created are left alone, so a start takes no table lock.
 */
export async function ensureChangeTriggers(db: Db, registry: ModuleRegistry): Promise<string[]> {
  const wanted = registry.customerData.flatMap((d) =>
    (d.changes ?? []).map((op) => ({ table: d.table, op, name: `${d.table}_changed_${OPS[op]}` })),
  );
  if (wanted.length === 0) return [];
  const present = new Set(
    (
      await sql<{
        tgname: string;
      }>`select tgname from pg_trigger where not tgisinternal and tgname = any(${wanted.map((w) => w.name)}::text[])`.execute(db)
    ).rows.map((r) => r.tgname),
  );
  const created: string[] = [];
  for (const w of wanted.filter((x) => !present.has(x.name))) {
    const [when, refs, fn] =
      w.op === 'update'
        ? [
            sql`after update`,
            sql`referencing new table as changed_rows old table as previous_rows`,
            sql`patron_mark_changed_update('customer_id')`,
          ]
        : [
            w.op === 'insert' ? sql`after insert` : sql`after delete`,
            w.op === 'insert' ? sql`referencing new table as changed_rows` : sql`referencing old table as changed_rows`,
            sql`patron_mark_changed('customer_id')`,
          ];
    await sql`create trigger ${sql.id(w.name)} ${when} on ${sql.table(w.table)} ${refs} for each statement execute function ${fn}`.execute(
      db,
    );
    created.push(w.name);
  }
  return created;
}
