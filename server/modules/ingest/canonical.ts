import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { type OrderUpsert, type ShipmentInput, upsertOrder } from '../commerce/index.ts';
import { type Identifier, type ProfilePatch, resolveCustomer } from '../identity/index.ts';

/** What every platform's order is mapped to before it is stored: an order (minor units) and its buyer. */
export type CanonicalOrder = Required<
  Omit<OrderUpsert, 'customerId' | 'channelId' | 'authoritative' | 'now' | 'shippingAddressId' | 'importId' | 'shipments' | 'source'>
> & {
  buyer: { identifiers: Identifier[]; profile: ProfilePatch };
  /** Parcels with tracking numbers, where the platform's payload carries them. */
  shipments?: ShipmentInput[];
};

export type CanonicalCustomer = { identifiers: Identifier[]; profile: ProfilePatch };

export const emptyTimes = { paidAt: null, shippedAt: null, deliveredAt: null, completedAt: null, cancelledAt: null };

/** Stores a mapped order: the buyer is resolved (or created) with the receiver's address, then the order is upserted with its status and that address. */
export async function ingestOrder(trx: Db, keyring: Keyring, o: CanonicalOrder, ctx: { channelId: number; source: string; now: Date }) {
  const { customerId, addressId } = await resolveCustomer(trx, keyring, {
    identifiers: o.buyer.identifiers,
    profile: o.buyer.profile,
    source: ctx.source,
    firstChannelId: ctx.channelId,
    now: ctx.now,
  });
  const { buyer: _buyer, ...order } = o;
  const result = await upsertOrder(trx, {
    ...order,
    customerId,
    shippingAddressId: addressId,
    channelId: ctx.channelId,
    authoritative: true,
    source: ctx.source,
    now: ctx.now,
  });
  return { customerId, ...result };
}

export async function ingestCustomer(
  trx: Db,
  keyring: Keyring,
  c: CanonicalCustomer,
  ctx: { channelId: number; source: string; now: Date },
) {
  return resolveCustomer(trx, keyring, {
    identifiers: c.identifiers,
    profile: c.profile,
    source: ctx.source,
    firstChannelId: ctx.channelId,
    now: ctx.now,
  });
}
