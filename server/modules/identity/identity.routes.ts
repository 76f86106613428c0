import {
  bulkUpsertBody,
  bulkUpsertResult,
  duplicateList,
  mergeBody,
  mergeHistory as mergeHistoryBody,
  mergeResult,
  quarantineList,
  quarantineQuery,
  quarantineResolveBody,
  upsertCustomerBody,
  upsertResult,
} from '../../../contracts/customers.ts';
import { idParams } from '../../../contracts/common.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { listQuarantine, resolveQuarantined } from './quarantine.service.ts';
import { duplicateCandidates } from './duplicates.service.ts';
import { mergeCustomers, mergeHistory, undoMerge } from './merge.service.ts';
import { bulkUpsertCustomers, upsertCustomer } from './upsert.service.ts';

const sourceOf = (p: { kind: string; label: string } | null) => (p ? `api:${p.label}` : 'api');

export const identityRoutes = [
  defineRoute({
    method: 'GET',
    url: '/customers/quarantine',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Phones and e-mails that failed cleansing, kept with the reason (masked unless reveal=true; reveals audited)',
    query: quarantineQuery,
    response: quarantineList,
    handler: ({ ctx, query, principal, ip }) =>
      listQuarantine(ctx.db, ctx.keyring, { ...query, mayReveal: principal!.permissions.has('pii.read'), actor: actorOf(principal, ip) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/quarantine/:id/resolve',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Fix a quarantined value (the corrected phone or e-mail joins the customer) or dismiss it; audited',
    params: idParams,
    body: quarantineResolveBody,
    handler: ({ ctx, params, body, principal, ip }) =>
      resolveQuarantined(ctx.db, ctx.keyring, { id: params.id, body, actor: actorOf(principal, ip), now: ctx.clock.now() }),
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
    handler: ({ ctx, body, principal }) =>
      bulkUpsertCustomers(ctx.db, ctx.keyring, body.items, { source: sourceOf(principal), now: ctx.clock.now() }),
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
      mergeCustomers(ctx.db, {
        survivorId: params.id,
        mergedId: body.mergedId,
        fields: body.fields,
        actor: actorOf(principal, ip),
        now: ctx.clock.now(),
        data: ctx.modules.customerData,
      }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customer-merges/:id/undo',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Undo a merge: both profiles and their records are restored exactly',
    params: idParams,
    response: mergeResult,
    handler: ({ ctx, params, principal, ip }) =>
      undoMerge(ctx.db, { mergeId: params.id, actor: actorOf(principal, ip), now: ctx.clock.now(), data: ctx.modules.customerData }),
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
