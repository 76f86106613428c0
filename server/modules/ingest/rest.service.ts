import type { z } from 'zod';
import type { eventIngestBody, orderUpsertBody, productUpsertBody, refundBody } from '../../../contracts/commerce.ts';
import type { shipmentBody } from '../../../contracts/orders.ts';
import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { sha256 } from '../../platform/ids.ts';
import { ensureChannel, recordRefund, recordShipment, updateCatalogue } from '../commerce/index.ts';
import { currentCustomerId, customerErrors, scrubPersonal } from '../customers/index.ts';
import { findKnownCustomers, identifiersOf, profileOf, resolveCustomer, unusableIdentifiers } from '../identity/index.ts';
import type { Identifier } from '../identity/index.ts';
import { insertEvents } from '../events/index.ts';
import { ingestOrder } from './canonical.ts';

/** REST ingestion (orders, products, refunds, events) inside the caller's transaction; bulk calls give a result per item. */

export type RestContext = { keyring: Keyring; source: string; now: Date; currency: (trx: Db) => Promise<string> };

export const restErrors = {
  orderNotFound: (channel: string, id: string) =>
    new AppError('ORDER_NOT_FOUND', 'not_found', `Order ${id} on channel ${channel} does not exist.`),
};

const at = (t: string | null | undefined) => (t ? new Date(t) : null);

/** Identifiers of a customer body, refused (with the reasons) when none of them can be used. */
function usableIdentifiers(keyring: Keyring, ids: Identifier[]): Identifier[] {
  if (ids.length === 0 || unusableIdentifiers(keyring, ids)) throw customerErrors.noIdentifier();
  return ids;
}

export async function upsertOrderIn(trx: Db, body: z.infer<typeof orderUpsertBody>, c: RestContext) {
  const channelId = await ensureChannel(trx, { code: body.channel, name: body.channel, kind: 'web', platform: 'api' });
  const result = await ingestOrder(
    trx,
    c.keyring,
    {
      externalId: String(body.externalId),
      status: body.status,
      currency: body.currency ?? (await c.currency(trx)),
      totalAmount: body.totalAmount,
      discountAmount: body.discountAmount ?? 0,
      shippingAmount: body.shippingAmount ?? 0,
      refundedAmount: body.refundedAmount ?? 0,
      couponCodes: body.couponCodes ?? [],
      placedAt: new Date(body.placedAt),
      paidAt: at(body.paidAt),
      shippedAt: at(body.shippedAt),
      deliveredAt: at(body.deliveredAt),
      completedAt: at(body.completedAt),
      cancelledAt: at(body.cancelledAt),
      items: (body.items ?? []).map((i) => ({
        sku: i.sku,
        name: i.name,
        category: i.category ?? null,
        quantity: i.quantity,
        unitPrice: i.unitPrice,
      })),
      buyer: { identifiers: usableIdentifiers(c.keyring, identifiersOf(body.customer)), profile: profileOf(body.customer) },
    },
    { channelId, source: c.source, now: c.now },
  );
  return { orderId: result.orderId, customerId: result.customerId, created: result.created };
}

export async function upsertProductIn(trx: Db, body: z.infer<typeof productUpsertBody>, c: RestContext) {
  const existed = await trx.selectFrom('products').select('id').where('sku', '=', body.sku).executeTakeFirst();
  const { ids } = await updateCatalogue(
    trx,
    [
      {
        sku: body.sku,
        name: body.name,
        category: body.category ?? '',
        priceAmount: body.price,
        currency: body.currency ?? (await c.currency(trx)),
        stock: body.stock,
        externalId: body.externalId,
      },
    ],
    c.now,
  );
  return { productId: ids.get(body.sku)!, created: !existed };
}

export async function recordRefundIn(trx: Db, body: z.infer<typeof refundBody>, c: RestContext) {
  const orderExternalId = String(body.orderExternalId);
  const channelId = await ensureChannel(trx, { code: body.channel, name: body.channel, kind: 'web', platform: 'api' });
  const refund = await recordRefund(trx, {
    channelId,
    orderExternalId,
    refundId: String(body.refundId),
    amount: body.amount,
    reason: body.reason,
    source: c.source,
    refundedAt: new Date(body.refundedAt),
    now: c.now,
  });
  if (!refund) throw restErrors.orderNotFound(body.channel, orderExternalId);
  return refund;
}

export async function recordShipmentIn(trx: Db, body: z.infer<typeof shipmentBody>, c: RestContext) {
  const orderExternalId = String(body.orderExternalId);
  const channelId = await ensureChannel(trx, { code: body.channel, name: body.channel, kind: 'web', platform: 'api' });
  const shipment = await recordShipment(trx, {
    ...body,
    channelId,
    orderExternalId,
    shippedAt: at(body.shippedAt),
    deliveredAt: at(body.deliveredAt),
    source: c.source,
    now: c.now,
  });
  if (!shipment) throw restErrors.orderNotFound(body.channel, orderExternalId);
  return shipment;
}

/** Who an event belongs to: the person its identifiers name (created when new), a customer id, or whoever its anonymous id was stitched to. */
async function eventOwner(trx: Db, body: z.infer<typeof eventIngestBody>, c: RestContext): Promise<number | null> {
  const anonymous: Identifier[] = body.anonymousId ? [{ kind: 'anonymous', value: body.anonymousId }] : [];
  if (body.customer) {
    const identifiers = [...usableIdentifiers(c.keyring, identifiersOf(body.customer)), ...anonymous];
    return (await resolveCustomer(trx, c.keyring, { identifiers, profile: profileOf(body.customer), source: c.source, now: c.now }))
      .customerId;
  }
  if (body.customerId) return currentCustomerId(trx, body.customerId);
  const [known] = await findKnownCustomers(trx, c.keyring, [anonymous], c.now);
  return known;
}

export async function ingestEventIn(trx: Db, body: z.infer<typeof eventIngestBody>, c: RestContext) {
  const customerId = await eventOwner(trx, body, c);
  const properties = scrubPersonal(body.properties);
  const who = body.customer
    ? identifiersOf(body.customer).map((i) => `${i.kind}:${i.channel ?? ''}:${i.value}`)
    : [body.customerId ?? null, body.anonymousId ?? null];
  const derived = sha256(JSON.stringify([body.type, body.name, body.occurredAt, who, properties]));
  const stored = await insertEvents(trx, [
    {
      customerId,
      anonymousId: body.anonymousId ?? null,
      type: body.type,
      name: body.name,
      properties,
      occurredAt: new Date(body.occurredAt),
      receivedAt: c.now,
      messageId: `api:${body.messageId ?? derived}`,
    },
  ]);
  return { customerId, stored: stored.count === 1 };
}
