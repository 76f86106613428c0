import type { UpsertCustomerBody } from '../../../contracts/customers.ts';
import { type Db, eachItem } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { type Identifier, type ProfilePatch, resolveCustomer } from './identity.service.ts';
import { customerErrors } from '../customers/index.ts';

export type UpsertOutcome = { customerId: number; created: boolean; rejected: { field: string; reason: string }[] };

/** The identifiers a customer body names. */
export const identifiersOf = (b: UpsertCustomerBody): Identifier[] => [
  ...(b.externalIds ?? []).map((e) => ({ kind: 'external' as const, channel: e.channel, value: String(e.id) })),
  ...(b.phone ? [{ kind: 'phone' as const, value: b.phone }] : []),
  ...(b.email ? [{ kind: 'email' as const, value: b.email }] : []),
];

/** The profile fields a customer body sets. */
export const profileOf = (body: UpsertCustomerBody): ProfilePatch => ({
  name: body.name,
  gender: body.gender,
  birthday: body.birthday,
  province: body.province,
  city: body.city,
  district: body.district,
  address: body.address,
  locale: body.locale,
});

type UpsertOptions = { source: string; now: Date };

/** Creates or updates one customer found by its identifiers, inside the caller's transaction. */
async function upsertCustomerIn(trx: Db, keyring: Keyring, body: UpsertCustomerBody, opts: UpsertOptions): Promise<UpsertOutcome> {
  const identifiers = identifiersOf(body);
  if (identifiers.length === 0) throw customerErrors.noIdentifier();
  const result = await resolveCustomer(trx, keyring, { identifiers, source: opts.source, now: opts.now, profile: profileOf(body) });
  if (result.rejected.length === identifiers.length) throw customerErrors.noIdentifier();
  return {
    customerId: result.customerId,
    created: result.created,
    rejected: result.rejected.map((r) => ({
      field: r.identifier.kind === 'external' ? `externalIds.${r.identifier.channel ?? ''}` : r.identifier.kind,
      reason: r.reason,
    })),
  };
}

/** Creates or updates one customer found by its identifiers (idempotent: the same body twice changes nothing new). */
export const upsertCustomer = (db: Db, keyring: Keyring, body: UpsertCustomerBody, opts: UpsertOptions) =>
  db.transaction().execute((trx) => upsertCustomerIn(trx, keyring, body, opts));

/** Up to 1,000 upserts, each behind its own savepoint, with a result per item (one failure does not stop the rest). */
export const bulkUpsertCustomers = (db: Db, keyring: Keyring, items: UpsertCustomerBody[], opts: UpsertOptions) =>
  eachItem(db, items, (trx, item) => upsertCustomerIn(trx, keyring, item, opts));
