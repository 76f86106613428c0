import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/index.ts';

/**
 * How a write treats profile fields a person already has: `overwrite` (a platform stating the current profile) or
 * `fill` (an import: only empty fields are set, so a file never replaces what the shop knows).
 */
export type FillMode = 'overwrite' | 'fill';

/** A person's profile columns as they were before a write changed them (only the changed ones): what an undo restores. */
export type BeforeImage = { customerId: number; fields: Record<string, unknown> };

/** The profile columns an import may change and an undo restores. Pairs (`*_enc` with `*_bidx`) travel together. */
export const RESTORABLE = [
  'name',
  'gender',
  'birthday',
  'province',
  'city',
  'district',
  'address_enc',
  'email_enc',
  'email_bidx',
  'phone_enc',
  'phone_bidx',
  'attributes',
] as const;
type Restorable = (typeof RESTORABLE)[number];

const isEmpty = (column: string, value: unknown) =>
  value === null || value === undefined || value === '' || (column === 'gender' && value === 'unknown');

/** The partner column that must change with this one (an encrypted value and its blind index). */
const partner = (column: string) =>
  column.endsWith('_enc') && column !== 'address_enc'
    ? column.replace('_enc', '_bidx')
    : column.endsWith('_bidx')
      ? column.replace('_bidx', '_enc')
      : null;

/**
 * Of the columns a write wants to set on an existing person, those it may set (`fill`: only empty ones) and that
 * change something; with the person's current values of them (the before-image). `current` holds every column of `set`.
 */
export function effectiveChanges(set: Record<string, unknown>, current: Record<string, unknown>, mode: FillMode) {
  const apply: Record<string, unknown> = {};
  const before: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(set)) {
    const pair = partner(column);
    if (mode === 'fill' && !isEmpty(column, current[column])) continue;
    if (mode === 'fill' && pair && !isEmpty(pair, current[pair])) continue;
    // A ciphertext differs on every write (random IV): an encrypted value is the same when its blind index is.
    const unchanged =
      pair && column.endsWith('_enc') && pair in set ? sameValue(current[pair], set[pair]) : sameValue(current[column], value);
    if (unchanged) continue;
    apply[column] = value;
    before[column] = current[column] ?? null;
    if (pair && pair in set) {
      apply[pair] = set[pair];
      before[pair] = current[pair] ?? null;
    }
  }
  return { apply, before };
}

const sameValue = (a: unknown, b: unknown) => (a ?? null) === (b ?? null) || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A person's current values of these columns, locked for the caller's update. */
export async function currentColumns(trx: Db, customerId: number, columns: readonly string[]): Promise<Record<string, unknown>> {
  const wanted = columns.filter((c): c is Restorable => (RESTORABLE as readonly string[]).includes(c));
  if (wanted.length === 0) return {};
  const row = await trx.selectFrom('customers').select(wanted).where('id', '=', customerId).forUpdate().executeTakeFirst();
  return (row ?? {}) as Record<string, unknown>;
}

/** The SQL of one column of a bulk profile update: the new value where the mode allows it, else the current one. */
export function patchExpression(column: string, mode: FillMode): RawBuilder<unknown> {
  const current = sql.ref(`c.${column}`);
  const given = sql.ref(`u.${column}`);
  if (mode === 'overwrite') return sql`coalesce(${given}, ${current})`;
  if (column === 'gender') return sql`case when ${current} = 'unknown' then coalesce(${given}, ${current}) else ${current} end`;
  return sql`coalesce(${current}, ${given})`;
}

/**
 * Puts back the profile columns of the before-images `images` selects (rows of customer_id, fields jsonb): each
 * column an image holds is restored, the others stay as they are now.
 */
export async function restoreBeforeImages(trx: Db, images: RawBuilder<unknown>): Promise<number> {
  const setters = RESTORABLE.map((column) => {
    const ref = sql.ref(column);
    const value =
      column === 'attributes'
        ? sql`b.fields -> ${column}`
        : column === 'birthday'
          ? sql`(b.fields ->> ${column})::date`
          : sql`b.fields ->> ${column}`;
    return sql`${ref} = case when b.fields ? ${column} then ${value} else c.${ref} end`;
  });
  const result = await sql`update customers c set ${sql.join(setters)} from (${images}) b where c.id = b.customer_id`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Sets custom-attribute values on people (one statement; later values of one person win): `fill` keeps values they
 * have. Returns the changed people's attributes as they were before.
 */
export async function mergeAttributes(
  trx: Db,
  updates: readonly { customerId: number; values: Record<string, unknown> }[],
  mode: FillMode,
): Promise<BeforeImage[]> {
  const byCustomer = new Map<number, Record<string, unknown>>();
  for (const u of updates) byCustomer.set(u.customerId, { ...byCustomer.get(u.customerId), ...u.values });
  if (byCustomer.size === 0) return [];
  const next = mode === 'fill' ? sql`u.attrs || c.attributes` : sql`c.attributes || u.attrs`;
  const changed = await sql<{ id: number; attributes: unknown }>`
    with u as (select * from unnest(${[...byCustomer.keys()]}::bigint[], ${[...byCustomer.values()].map((v) => JSON.stringify(v))}::jsonb[]) as u(id, attrs)),
    old as (select c.id, c.attributes from customers c join u on u.id = c.id for update of c),
    upd as (update customers c set attributes = ${next} from u where c.id = u.id and c.attributes is distinct from ${next} returning c.id)
    select old.id, old.attributes from old join upd on upd.id = old.id`.execute(trx);
  return changed.rows.map((r) => ({ customerId: Number(r.id), fields: { attributes: r.attributes } }));
}

/** Text attributes defined for these keys where none is (label: the column they came from). */
export async function ensureAttributes(db: Db, defs: readonly { key: string; label: string }[]) {
  if (defs.length === 0) return;
  await db
    .insertInto('attribute_definitions')
    .values(defs.map((d) => ({ key: d.key, label: d.label, type: 'text' as const, options: [] })))
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}
