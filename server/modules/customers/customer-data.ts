import { sql } from 'kysely';
import type { CustomerData } from '../../platform/registry.ts';
import { forgetAddressLines } from './addresses.ts';
import { moveRows, moveRowsBack } from '../../platform/merge-rows.ts';
import { moveTags, restoreTags } from './tags.service.ts';
import { presentPii } from './present.ts';

const iso = (d: Date) => d.toISOString();

const addresses: CustomerData = {
  table: 'customer_addresses',
  // An address the survivor already holds stays on the merged profile (one row per person and address).
  merge: {
    move: (trx, m) =>
      moveRows(
        trx,
        addresses,
        m,
        sql`and not exists (select 1 from customer_addresses s where s.customer_id = ${m.toId} and s.address_bidx = t.address_bidx)`,
      ),
    undo: (trx, m) => moveRowsBack(trx, addresses, m),
  },
  export: {
    name: 'addresses',
    file: 'addresses.csv',
    rows: async (db, { customerId, keyring }) =>
      (await db.selectFrom('customer_addresses').selectAll().where('customer_id', '=', customerId).orderBy('first_seen_at').execute()).map(
        (a) => ({
          id: a.id,
          province: a.province,
          city: a.city,
          district: a.district,
          line: presentPii(keyring, 'address', a.line_enc, true),
          source: a.source,
          firstSeenAt: iso(a.first_seen_at),
          lastSeenAt: iso(a.last_seen_at),
        }),
      ),
  },
  // The line and the places below the province go; the province stays for statistics.
  erase: async (trx, { customerId }) => {
    await forgetAddressLines(trx, customerId);
    return undefined;
  },
  undo: 'follows',
};

/** The customers module's customer data besides the profile: addresses, tags, notes. */
export const customersData: readonly CustomerData[] = [
  addresses,
  {
    table: 'customer_tags',
    key: 'tag',
    merge: { move: moveTags, undo: restoreTags },
    export: false,
    erase: 'keep',
    changes: ['insert', 'delete'],
  },
  { table: 'customer_notes', export: false, erase: 'keep' },
];
