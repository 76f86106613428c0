import type { Selectable } from 'kysely';
import { moveRows, moveRowsBack } from '../../platform/merge-rows.ts';
import type { CustomerTable, Db } from '../../db/index.ts';
import { emit } from '../../events/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import type { CustomerData, MergeHooks } from '../../platform/registry.ts';
import { recordAudit } from '../audit/index.ts';
import { markPairMerged } from './duplicates.service.ts';
import type { mergeFields } from '../../../contracts/customers.ts';
import { customerErrors, setMergedInto, updateProfile } from '../customers/index.ts';

/** Profile fields a merge lets the user pick from either person (contact fields travel as a group; contracts/customers.ts). */
export type MergeField = (typeof mergeFields)[number];
export type FieldChoice = Partial<Record<MergeField, 'survivor' | 'merged'>>;

const COLUMNS: Record<MergeField, (keyof Selectable<CustomerTable>)[]> = {
  name: ['name'],
  gender: ['gender'],
  birthday: ['birthday'],
  province: ['province'],
  city: ['city'],
  district: ['district'],
  locale: ['locale'],
  time_zone: ['time_zone'],
  contact: ['email_enc', 'email_bidx', 'phone_enc', 'phone_bidx'],
  address: ['address_enc'],
};

const hooksOf = (d: CustomerData): MergeHooks | null => {
  if (d.merge === 'keep') return null;
  if (d.merge && d.merge !== 'move') return d.merge;
  return { move: (trx, m) => moveRows(trx, d, m), undo: (trx, m) => moveRowsBack(trx, d, m) };
};

export const mergeErrors = {
  self: () => new AppError('MERGE_SAME_CUSTOMER', 'invalid', 'A customer cannot be merged into itself.'),
  alreadyMerged: (id: number) =>
    new AppError('CUSTOMER_ALREADY_MERGED', 'conflict', `Customer ${id} has already been merged into another.`),
  notFound: (id: number) => new AppError('MERGE_NOT_FOUND', 'not_found', `Merge ${id} does not exist.`),
  notUndoable: (why: string) => new AppError('MERGE_NOT_UNDOABLE', 'conflict', `This merge cannot be undone: ${why}.`),
};

async function lockActive(trx: Db, id: number) {
  const row = await trx.selectFrom('customers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw customerErrors.notFound(id);
  if (row.merged_into !== null) throw mergeErrors.alreadyMerged(id);
  return row;
}

const jsonRow = (r: Selectable<CustomerTable>) =>
  JSON.stringify({ ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() });

/**
 * Merges `mergedId` into `survivorId`: every related record moves to the survivor, the chosen fields
 * are taken from the merged person, and the merged profile is kept (hidden) so the merge can be undone.
 */
export async function mergeCustomers(
  db: Db,
  opts: { survivorId: number; mergedId: number; fields: FieldChoice; actor: Actor; now: Date; data: readonly CustomerData[] },
) {
  if (opts.survivorId === opts.mergedId) throw mergeErrors.self();
  return db.transaction().execute(async (trx) => {
    const [a, b] = [opts.survivorId, opts.mergedId].sort((x, y) => x - y);
    const first = await lockActive(trx, a);
    const second = await lockActive(trx, b);
    const survivor = first.id === opts.survivorId ? first : second;
    const merged = first.id === opts.mergedId ? first : second;
    const moved: Record<string, unknown> = {};
    const counts: Record<string, number> = {};
    for (const d of opts.data) {
      const hooks = hooksOf(d);
      if (!hooks) continue;
      const r = await hooks.move(trx, { fromId: merged.id, toId: survivor.id });
      moved[d.table] = r.memo;
      counts[d.table] = r.count;
    }
    const set: Record<string, unknown> = {};
    for (const [field, choice] of Object.entries(opts.fields) as [MergeField, string][]) {
      if (choice === 'merged') for (const col of COLUMNS[field]) set[col] = merged[col];
    }
    // Keep the survivor's contact details when it has none of its own.
    if (!survivor.phone_bidx && !survivor.email_bidx && opts.fields.contact !== 'survivor')
      for (const col of COLUMNS.contact) set[col] = merged[col];
    await updateProfile(trx, survivor.id, set, opts.now);
    await setMergedInto(trx, merged.id, survivor.id, opts.now);
    await markPairMerged(trx, [survivor.id, merged.id], opts);
    const row = await trx
      .insertInto('customer_merges')
      .values({
        survivor_id: survivor.id,
        merged_id: merged.id,
        fields: JSON.stringify(opts.fields),
        survivor_before: jsonRow(survivor),
        moved: JSON.stringify(moved),
        actor_label: opts.actor.label,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await emit(trx, {
      type: 'customer.merged',
      key: `customer.merged:${row.id}`,
      customerId: survivor.id,
      payload: { mergeId: row.id, survivorId: survivor.id, mergedId: merged.id },
      occurredAt: opts.now,
    });
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'customer.merge',
      target: { type: 'customer', id: survivor.id },
      details: { mergeId: row.id, mergedId: merged.id, fields: opts.fields, moved: counts },
    });
    return { mergeId: row.id, survivorId: survivor.id, mergedId: merged.id, moved: counts };
  });
}

/** Every profile column a merge may set, kept before it and put back by its undo. */
const RESTORABLE = Object.values(COLUMNS).flat();

/** Undoes a merge exactly: the moved records go back, both profiles are as they were before it. */
export async function undoMerge(db: Db, opts: { mergeId: number; actor: Actor; now: Date; data: readonly CustomerData[] }) {
  return db.transaction().execute(async (trx) => {
    const m = await trx.selectFrom('customer_merges').selectAll().where('id', '=', opts.mergeId).forUpdate().executeTakeFirst();
    if (!m) throw mergeErrors.notFound(opts.mergeId);
    if (m.undone_at) throw mergeErrors.notUndoable('it was already undone');
    const survivor = await trx
      .selectFrom('customers')
      .select('merged_into')
      .where('id', '=', m.survivor_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (survivor.merged_into !== null)
      throw mergeErrors.notUndoable(`customer ${m.survivor_id} was merged again later; undo that merge first`);
    const moved = m.moved as Record<string, unknown>;
    for (const d of opts.data) {
      const hooks = hooksOf(d);
      if (hooks && d.table in moved) await hooks.undo(trx, { fromId: m.merged_id, toId: m.survivor_id, memo: moved[d.table] });
    }
    const before = m.survivor_before as Record<string, unknown>;
    const restore = Object.fromEntries(RESTORABLE.map((c) => [c, before[c] ?? null]));
    await updateProfile(trx, m.survivor_id, restore, opts.now);
    await setMergedInto(trx, m.merged_id, null, opts.now);
    await trx.updateTable('customer_merges').set({ undone_at: opts.now }).where('id', '=', m.id).execute();
    await markPairMerged(trx, [m.survivor_id, m.merged_id], null);
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'customer.merge_undo',
      target: { type: 'customer', id: m.survivor_id },
      details: { mergeId: m.id, mergedId: m.merged_id },
    });
    return { mergeId: m.id, survivorId: m.survivor_id, mergedId: m.merged_id };
  });
}

export async function mergeHistory(db: Db, customerId: number) {
  const rows = await db
    .selectFrom('customer_merges')
    .select(['id', 'survivor_id', 'merged_id', 'fields', 'actor_label', 'created_at', 'undone_at'])
    .where((eb) => eb.or([eb('survivor_id', '=', customerId), eb('merged_id', '=', customerId)]))
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    survivorId: r.survivor_id,
    mergedId: r.merged_id,
    fields: r.fields,
    actor: r.actor_label,
    createdAt: r.created_at.toISOString(),
    undoneAt: r.undone_at?.toISOString() ?? null,
  }));
}
