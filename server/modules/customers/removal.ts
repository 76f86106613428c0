import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/index.ts';

/** Erasure of the profile itself: every personal field emptied, the person kept (anonymous) for statistics. */
export async function eraseProfile(trx: Db, customerId: number, now: Date): Promise<void> {
  await trx
    .updateTable('customers')
    .set({
      name: null,
      gender: 'unknown',
      birthday: null,
      city: null,
      district: null,
      locale: null,
      time_zone: null,
      email_enc: null,
      email_bidx: null,
      phone_enc: null,
      phone_bidx: null,
      address_enc: null,
      erased_at: now,
      updated_at: now,
    })
    .where('id', '=', customerId)
    .execute();
}

/** Deletes people (an undone import's), once every module has removed what followed them; returns how many. */
export async function deleteCustomers(trx: Db, ids: RawBuilder<unknown>): Promise<number> {
  const r = await sql`delete from customers where id in (${ids})`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}
