import { sql } from 'kysely';
import type { AttributeType, Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { customerErrors } from './customers.errors.ts';

/** The custom-attribute registry: typed keys whose values live in customers.attributes (segments read them). */

export const attributeErrors = {
  exists: (key: string) => new AppError('ATTRIBUTE_EXISTS', 'conflict', `The attribute "${key}" is already defined.`),
  unknown: (key: string) =>
    new AppError('ATTRIBUTE_UNKNOWN', 'invalid', `No custom attribute "${key}" is defined (Settings → Attributes).`, { key }),
  badValue: (key: string, type: string, reason: string) =>
    new AppError('ATTRIBUTE_VALUE_INVALID', 'invalid', `"${key}" is a ${type} attribute: ${reason}.`, { key, type }),
  notFound: (key: string) => new AppError('ATTRIBUTE_NOT_FOUND', 'not_found', `No custom attribute "${key}".`),
};

export type AttributeDefinition = { key: string; label: string; type: AttributeType; options: string[] };

export async function listAttributes(db: Db): Promise<AttributeDefinition[]> {
  return db.selectFrom('attribute_definitions').select(['key', 'label', 'type', 'options']).orderBy('key').execute();
}

export async function defineAttribute(db: Db, opts: AttributeDefinition & { actor: Actor }) {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('attribute_definitions')
      .values({ key: opts.key, label: opts.label, type: opts.type, options: opts.type === 'enum' ? opts.options : [] })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning(['key', 'label', 'type', 'options'])
      .executeTakeFirst();
    if (!inserted) throw attributeErrors.exists(opts.key);
    await recordAudit(trx, { actor: opts.actor, action: 'attribute.define', target: { type: 'attribute', id: opts.key }, after: inserted });
    return inserted;
  });
}

/** Removes a definition and every customer's value for it. */
export async function deleteAttribute(db: Db, key: string, actor: Actor) {
  await db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('attribute_definitions').where('key', '=', key).returningAll().executeTakeFirst();
    if (!gone) throw attributeErrors.notFound(key);
    await sql`update customers set attributes = attributes - ${key} where attributes ? ${key}`.execute(trx);
    await recordAudit(trx, { actor, action: 'attribute.delete', target: { type: 'attribute', id: key }, before: gone });
  });
}

function checkValue(def: AttributeDefinition, value: unknown): unknown {
  switch (def.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw attributeErrors.badValue(def.key, def.type, 'give a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw attributeErrors.badValue(def.key, def.type, 'give true or false');
      return value;
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
        throw attributeErrors.badValue(def.key, def.type, 'give a date as YYYY-MM-DD');
      return value;
    case 'enum':
      if (typeof value !== 'string' || !def.options.includes(value))
        throw attributeErrors.badValue(def.key, def.type, `give one of ${def.options.join(', ')}`);
      return value;
    default:
      if (typeof value !== 'string' || value.length > 500)
        throw attributeErrors.badValue(def.key, def.type, 'give text of at most 500 characters');
      return value;
  }
}

/** Sets (or, with null, removes) custom attribute values on one customer; every key and value is checked. */
export async function setCustomerAttributes(db: Db, customerId: number, values: Record<string, unknown>, actor: Actor) {
  return db.transaction().execute((trx) => writeCustomerAttributes(trx, customerId, values, actor));
}

/** `setCustomerAttributes` inside the caller's transaction (a journey step). */
export async function writeCustomerAttributes(trx: Db, customerId: number, values: Record<string, unknown>, actor: Actor) {
  const defs = new Map((await listAttributes(trx)).map((d) => [d.key, d]));
  const set: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const def = defs.get(key);
    if (!def) throw attributeErrors.unknown(key);
    if (value === null) removed.push(key);
    else set[key] = checkValue(def, value);
  }
  const row = await sql<{ attributes: Record<string, unknown> }>`
    update customers set attributes = (attributes || ${JSON.stringify(set)}::jsonb) - ${removed}::text[], updated_at = now()
    where id = ${customerId} and merged_into is null returning attributes`.execute(trx);
  if (row.rows.length === 0) throw customerErrors.notFound(customerId);
  await recordAudit(trx, { actor, action: 'customer.attributes', target: { type: 'customer', id: String(customerId) }, after: values });
  return row.rows[0].attributes;
}
