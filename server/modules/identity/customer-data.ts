import { decryptField } from '../../platform/crypto.ts';
import type { CustomerData } from '../../platform/registry.ts';
import { presentPii } from '../customers/index.ts';
import { tombstoneIdentities } from './identity.service.ts';

const iso = (d: Date) => d.toISOString();

/** The identity module's customer data: identifiers, quarantined values, merges, duplicate suggestions. */
export const identityData: readonly CustomerData[] = [
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
  { table: 'customer_merges', columns: ['survivor_id', 'merged_id'], merge: 'keep', export: false, erase: 'keep' },
  { table: 'duplicate_suggestions', columns: ['customer_a', 'customer_b'], merge: 'keep', export: false, erase: 'keep', undo: 'follows' },
];
