import { sql } from 'kysely';
import { decryptField } from '../../platform/crypto.ts';
import type { CustomerData } from '../../platform/registry.ts';
import { forgetAddressLines } from './addresses.ts';
import { tombstoneIdentities } from './identity.service.ts';
import { moveRows, moveRowsBack, moveTags, restoreTags } from './merge.service.ts';
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

/** The customers module's customer data: identities, addresses, quarantined values, tags, notes, merges, duplicate suggestions. */
export const customersData: readonly CustomerData[] = [
  {
    table: 'customer_identities',
    export: {
      name: 'identities',
      file: 'identities.csv',
      rows: async (db, { customerId, keyring }) =>
        (await db.selectFrom('customer_identities').selectAll().where('customer_id', '=', customerId).execute()).map((i) => ({
          kind: i.kind,
          channel: i.channel,
          value: i.kind === 'email' || i.kind === 'phone' ? presentPii(keyring, i.kind, i.value_enc, true) : i.key,
          source: i.source,
          firstSeenAt: iso(i.first_seen_at),
          lastSeenAt: iso(i.last_seen_at),
        })),
    },
    // Identifiers become tombstones, so the person is not re-created from the same phone or e-mail.
    erase: async (trx, { customerId, requestId }) => ({ identities: await tombstoneIdentities(trx, customerId, requestId) }),
    undo: 'follows',
    changes: ['insert', 'update'],
  },
  addresses,
  {
    table: 'data_quarantine',
    merge: 'keep',
    export: {
      name: 'quarantinedValues',
      file: 'quarantined_values.csv',
      rows: async (db, { customerId, keyring }) =>
        (await db.selectFrom('data_quarantine').selectAll().where('customer_id', '=', customerId).orderBy('created_at').execute()).map(
          (q) => ({
            field: q.field,
            value: decryptField(keyring, q.value_enc),
            reason: q.reason,
            source: q.source,
            firstSeenAt: iso(q.created_at),
            resolution: q.resolution,
          }),
        ),
    },
    erase: 'delete',
    undo: 'follows',
  },
  {
    table: 'customer_tags',
    key: 'tag',
    merge: { move: moveTags, undo: restoreTags },
    export: false,
    erase: 'keep',
    changes: ['insert', 'delete'],
  },
  { table: 'customer_notes', export: false, erase: 'keep' },
  { table: 'customer_merges', columns: ['survivor_id', 'merged_id'], merge: 'keep', export: false, erase: 'keep' },
  { table: 'duplicate_suggestions', columns: ['customer_a', 'customer_b'], merge: 'keep', export: false, erase: 'keep', undo: 'follows' },
];
