import type { Db } from '../../db/index.ts';
import { type Keyring, blindIndex, encryptField } from '../../platform/crypto.ts';

/** `reason` is a stable code (`invalid_phone`, `invalid_email`) the UI translates. */
export type QuarantinedValue = { identifier: { kind: string; value: string }; reason: string };

/** Keeps values that failed cleansing (encrypted, with the reason) instead of dropping them. */
export async function quarantineValues(
  trx: Db,
  keyring: Keyring,
  q: { customerId: number | null; values: readonly QuarantinedValue[]; source: string; now: Date },
) {
  if (q.values.length === 0) return;
  await trx
    .insertInto('data_quarantine')
    .values(
      q.values.map((v) => ({
        customer_id: q.customerId,
        field: v.identifier.kind,
        value_enc: encryptField(keyring, v.identifier.value.trim()),
        value_bidx: blindIndex(keyring, 'quarantine', v.identifier.value.trim()),
        reason: v.reason,
        source: q.source,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['customer_id', 'field', 'value_bidx'])
        .where('resolved_at', 'is', null)
        .doUpdateSet((eb) => ({ occurrences: eb('data_quarantine.occurrences', '+', 1), last_seen_at: q.now, source: q.source })),
    )
    .execute();
}
