import {
  bulkUpsertBody,
  bulkUpsertResult,
  customerDetail,
  customerDetailQuery,
  duplicateList,
  mergeBody,
  mergeHistory as mergeHistoryBody,
  mergeResult,
  customerList,
  customerListQuery,
  eventPage,
  eventPageQuery,
  upsertCustomerBody,
  upsertResult,
} from '../../../contracts/customers.ts';
import { idParams } from '../../../contracts/common.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { customerEvents, getCustomer, listCustomers } from './customers.service.ts';
import { duplicateCandidates, mergeCustomers, mergeHistory, undoMerge } from './merge.service.ts';
import { bulkUpsertCustomers, upsertCustomer } from './upsert.service.ts';

const sourceOf = (p: { kind: string; label: string } | null) => (p ? `api:${p.label}` : 'api');

export const customerRoutes = [
  defineRoute({
    method: 'GET',
    url: '/customers',
    access: 'customers.read',
    tag: 'customers',
    summary: 'List customers: paginated, sorted, filtered; search by name or exact e-mail/phone/external id',
    query: customerListQuery,
    response: customerList,
    handler: ({ ctx, query }) => listCustomers(ctx.db, ctx.keyring, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Customer 360: profile, identities, orders, events (personal data masked unless reveal=true)',
    params: idParams,
    query: customerDetailQuery,
    response: customerDetail,
    handler: ({ ctx, params, query, principal, ip }) =>
      getCustomer(ctx.db, ctx.keyring, {
        id: params.id,
        reveal: query.reveal === 'true',
        mayReveal: principal!.permissions.has('pii.read'),
        actor: actorOf(principal, ip),
      }),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id/events',
    access: 'customers.read',
    tag: 'customers',
    summary: 'A customer’s event timeline, newest first (cursor pagination)',
    params: idParams,
    query: eventPageQuery,
    response: eventPage,
    handler: ({ ctx, params, query }) => customerEvents(ctx.db, params.id, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Create or update a customer found by external id, phone or e-mail (idempotent)',
    body: upsertCustomerBody,
    response: upsertResult,
    handler: ({ ctx, body, principal }) => upsertCustomer(ctx.db, ctx.keyring, body, { source: sourceOf(principal), now: ctx.clock.now() }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/bulk',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Upsert up to 1,000 customers; one result per item',
    body: bulkUpsertBody,
    response: bulkUpsertResult,
    handler: ({ ctx, body, principal }) => bulkUpsertCustomers(ctx.db, ctx.keyring, body.items, { source: sourceOf(principal), now: ctx.clock.now() }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/:id/merge',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Merge a duplicate into this customer, choosing field by field; every related record moves; undoable',
    params: idParams,
    body: mergeBody,
    response: mergeResult,
    handler: ({ ctx, params, body, principal, ip }) =>
      mergeCustomers(ctx.db, { survivorId: params.id, mergedId: body.mergedId, fields: body.fields, actor: actorOf(principal, ip), now: ctx.clock.now() }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customer-merges/:id/undo',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Undo a merge: both profiles and their records are restored exactly',
    params: idParams,
    response: mergeResult,
    handler: ({ ctx, params, principal, ip }) => undoMerge(ctx.db, { mergeId: params.id, actor: actorOf(principal, ip), now: ctx.clock.now() }),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id/merges',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Merge history of a customer',
    params: idParams,
    response: mergeHistoryBody,
    handler: async ({ ctx, params }) => ({ items: await mergeHistory(ctx.db, params.id) }),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id/duplicates',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Likely duplicates (similar name with the same city or birthday, or shared contact) for review',
    params: idParams,
    response: duplicateList,
    handler: async ({ ctx, params }) => ({ items: await duplicateCandidates(ctx.db, params.id) }),
  }),
];
