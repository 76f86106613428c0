import {
  bulkEvents,
  bulkEventsResult,
  bulkOrders,
  bulkOrdersResult,
  bulkProducts,
  bulkProductsResult,
  eventIngestBody,
  eventIngestResult,
  orderUpsertBody,
  orderUpsertResult,
  productUpsertBody,
  productUpsertResult,
  refundBody,
  refundResult,
} from '../../../contracts/commerce.ts';
import { shipmentBody, shipmentResult } from '../../../contracts/orders.ts';
import { type Db, eachItem } from '../../db/index.ts';
import type { Principal } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import type { AppContext } from '../../platform/context.ts';
import { getStoreSettings } from '../system/index.ts';
import { type RestContext, ingestEventIn, recordRefundIn, recordShipmentIn, upsertOrderIn, upsertProductIn } from './rest.service.ts';

/** What every REST write needs: who wrote it (the source label), now, and the store currency (read once, lazily). */
function restContext(ctx: AppContext, principal: Principal | null): RestContext {
  let currency: Promise<string> | null = null;
  return {
    keyring: ctx.keyring,
    source: principal ? `api:${principal.label}` : 'api',
    now: ctx.clock.now(),
    currency: (trx: Db) => {
      currency ??= getStoreSettings(trx, { timeZone: ctx.config.timeZone }).then((s) => s.currency);
      return currency;
    },
  };
}

const single =
  <T, R>(fn: (trx: Db, body: T, c: RestContext) => Promise<R>) =>
  ({ ctx, body, principal }: { ctx: AppContext; body: T; principal: Principal | null }) =>
    ctx.db.transaction().execute((trx) => fn(trx, body, restContext(ctx, principal)));

const bulk =
  <T, R extends object>(fn: (trx: Db, body: T, c: RestContext) => Promise<R>) =>
  ({ ctx, body, principal }: { ctx: AppContext; body: { items: T[] }; principal: Principal | null }) => {
    const c = restContext(ctx, principal);
    return eachItem(ctx.db, body.items, (trx, item) => fn(trx, item, c));
  };

export const restRoutes = [
  defineRoute({
    method: 'POST',
    url: '/orders',
    access: 'customers.write',
    tag: 'commerce',
    summary: 'Create or update an order by (channel, external id) with its buyer and items; idempotent',
    body: orderUpsertBody,
    response: orderUpsertResult,
    handler: single(upsertOrderIn),
  }),
  defineRoute({
    method: 'POST',
    url: '/orders/bulk',
    access: 'customers.write',
    tag: 'commerce',
    summary: 'Up to 1,000 order upserts; one result per item (a failed item stores nothing, the rest commit)',
    body: bulkOrders,
    response: bulkOrdersResult,
    handler: bulk(upsertOrderIn),
  }),
  defineRoute({
    method: 'POST',
    url: '/products',
    access: 'customers.write',
    tag: 'commerce',
    summary: 'Create or update a product by SKU',
    body: productUpsertBody,
    response: productUpsertResult,
    handler: single(upsertProductIn),
  }),
  defineRoute({
    method: 'POST',
    url: '/products/bulk',
    access: 'customers.write',
    tag: 'commerce',
    summary: 'Up to 1,000 product upserts; one result per item',
    body: bulkProducts,
    response: bulkProductsResult,
    handler: bulk(upsertProductIn),
  }),
  defineRoute({
    method: 'POST',
    url: '/refunds',
    access: 'customers.write',
    tag: 'commerce',
    summary: 'Record a refund of an order by its refund id (the same refund twice changes nothing)',
    body: refundBody,
    response: refundResult,
    handler: single(recordRefundIn),
  }),
  defineRoute({
    method: 'POST',
    url: '/shipments',
    access: 'customers.write',
    tag: 'commerce',
    summary:
      'Record a parcel of an order (carrier, tracking number, logistics status); the same tracking number again updates it, and the order moves to shipped or delivered',
    body: shipmentBody,
    response: shipmentResult,
    handler: single(recordShipmentIn),
  }),
  defineRoute({
    method: 'POST',
    url: '/events',
    access: 'customers.write',
    tag: 'events',
    summary: 'Record a behaviour event for a person (by identifiers, customer id or anonymous id); deduplicated by message id',
    body: eventIngestBody,
    response: eventIngestResult,
    handler: single(ingestEventIn),
  }),
  defineRoute({
    method: 'POST',
    url: '/events/bulk',
    access: 'customers.write',
    tag: 'events',
    summary: 'Up to 1,000 events; one result per item',
    body: bulkEvents,
    response: bulkEventsResult,
    handler: bulk(ingestEventIn),
  }),
];
