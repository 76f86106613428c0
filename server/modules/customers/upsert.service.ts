import type { UpsertCustomerBody } from '../../../contracts/customers.ts';
import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { isAppError } from '../../platform/errors.ts';
import { customerErrors } from './customers.errors.ts';
import { type Identifier, type ProfilePatch, resolveCustomer } from './identity.service.ts';

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

/** Creates or updates one customer found by its identifiers (idempotent: the same body twice changes nothing new). */
export async function upsertCustomer(db: Db, keyring: Keyring, body: UpsertCustomerBody, opts: { source: string; now: Date }): Promise<UpsertOutcome> {
  const identifiers = identifiersOf(body);
  if (identifiers.length === 0) throw customerErrors.noIdentifier();
  return db.transaction().execute(async (trx) => {
    const result = await resolveCustomer(trx, keyring, { identifiers, source: opts.source, now: opts.now, profile: profileOf(body) });
    if (result.rejected.length === identifiers.length) throw customerErrors.noIdentifier();
    return {
      customerId: result.customerId,
      created: result.created,
      rejected: result.rejected.map((r) => ({ field: r.identifier.kind === 'external' ? `externalIds.${r.identifier.channel ?? ''}` : r.identifier.kind, reason: r.reason })),
    };
  });
}

/** Up to 1,000 upserts, each in its own transaction, with a result per item (one failure does not stop the rest). */
export async function bulkUpsertCustomers(db: Db, keyring: Keyring, items: UpsertCustomerBody[], opts: { source: string; now: Date }) {
  const results = [];
  for (const [index, item] of items.entries()) {
    try {
      results.push({ index, ok: true as const, ...(await upsertCustomer(db, keyring, item, opts)) });
    } catch (err) {
      if (!isAppError(err)) throw err;
      results.push({ index, ok: false as const, error: { code: err.code, message: err.message } });
    }
  }
  return { results };
}
