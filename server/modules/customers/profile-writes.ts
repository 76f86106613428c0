import { type Insertable, type Updateable, sql } from 'kysely';
import type { CustomerTable, Db } from '../../db/index.ts';
import { type Keyring, encryptField } from '../../platform/crypto.ts';
import { emailIndex, phoneIndex } from './customers.bulk.ts';
import { type BeforeImage, type FillMode, patchExpression } from './profile-changes.ts';

/**
 * The profile writes other modules ask for (the identity module creates people, applies what a record says about
 * them, merges and unmerges): the customers table is written here and nowhere else.
 */

/** A new profile; returns its id. */
export async function createProfile(trx: Db, values: Insertable<CustomerTable>): Promise<number> {
  return (await trx.insertInto('customers').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

/** Sets profile columns of one person. */
export async function updateProfile(trx: Db, customerId: number, set: Updateable<CustomerTable>, now: Date): Promise<void> {
  await trx
    .updateTable('customers')
    .set({ ...set, updated_at: now })
    .where('id', '=', customerId)
    .execute();
}

/** Hides a merged profile behind its survivor, or (undo) shows it again. */
export async function setMergedInto(trx: Db, customerId: number, survivorId: number | null, now: Date): Promise<void> {
  await updateProfile(trx, customerId, { merged_into: survivorId }, now);
}

/** Gives a person a phone or e-mail when the profile has none of that kind (a quarantined value fixed). */
export async function fillContact(trx: Db, keyring: Keyring, customerId: number, kind: 'email' | 'phone', plain: string): Promise<void> {
  const q =
    kind === 'email'
      ? trx
          .updateTable('customers')
          .set({ email_enc: encryptField(keyring, plain), email_bidx: emailIndex(keyring, plain) })
          .where('email_bidx', 'is', null)
      : trx
          .updateTable('customers')
          .set({ phone_enc: encryptField(keyring, plain), phone_bidx: phoneIndex(keyring, plain) })
          .where('phone_bidx', 'is', null);
  await q.where('id', '=', customerId).execute();
}

/** The profile columns a record's patch may set, in one set-based write. */
export const PATCHED = ['name', 'gender', 'birthday', 'province', 'city', 'district', 'address_enc'] as const;

export type PatchRow = {
  id: number;
  name: string | null;
  gender: string | null;
  birthday: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  /** Already encrypted. */
  address: string | null;
};

/**
 * Applies one patch per person in one statement; `fill` keeps the fields a person has. Returns the changed
 * people's columns as they were before.
 */
export async function patchProfiles(trx: Db, rows: readonly PatchRow[], now: Date, mode: FillMode): Promise<BeforeImage[]> {
  if (rows.length === 0) return [];
  const col = <T>(f: (r: PatchRow) => T) => rows.map(f);
  const next = PATCHED.map((c) => patchExpression(c, mode));
  // The old values come from a locking read in the same statement (`returning` sees only the new ones).
  const cols = sql.join(PATCHED.map((p) => sql.ref(`c.${p}`)));
  const changed = await sql<{ id: number; old: Record<string, unknown>; new: Record<string, unknown> }>`
    with u as (
      select * from unnest(${col((r) => r.id)}::bigint[], ${col((r) => r.name)}::text[], ${col((r) => r.gender)}::text[], ${col((r) => r.birthday)}::date[],
        ${col((r) => r.province)}::text[], ${col((r) => r.city)}::text[], ${col((r) => r.district)}::text[], ${col((r) => r.address)}::text[])
        as u(id, name, gender, birthday, province, city, district, address_enc)
    ),
    old as (select c.id, to_jsonb(c) as row from customers c join u on u.id = c.id for update of c),
    upd as (
      update customers c set ${sql.join(PATCHED.map((p, i) => sql`${sql.ref(p)} = ${next[i]}`))}, updated_at = ${now}
      from u where c.id = u.id and (${cols}) is distinct from (${sql.join(next)})
      returning c.id, to_jsonb(c) as row
    )
    select old.id, old.row as old, upd.row as new from old join upd on upd.id = old.id`.execute(trx);
  return changed.rows.map((r) => ({
    customerId: Number(r.id),
    fields: Object.fromEntries(
      PATCHED.filter((c) => JSON.stringify(r.old[c]) !== JSON.stringify(r.new[c])).map((c) => [c, r.old[c] ?? null]),
    ),
  }));
}
