import {
  customerDetail,
  customerDetailQuery,
  bulkTagBody,
  exportBody,
  noteBody,
  noteList,
  operationBody,
  tagBody,
  tagList,
  qualityReport,
  customerList,
  customerListQuery,
  eventPage,
  eventPageQuery,
  orderPage,
  orderPageQuery,
  customerPanelDefinitions,
  customerPanels as customerPanelsBody,
  customerPanelsQuery,
} from '../../../contracts/customers.ts';
import { idParams } from '../../../contracts/common.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { customerEvents, customerOrders, customerPanels, getCustomer, listCustomers, panelDefinitions } from './customers.service.ts';
import { customerErrors } from './customers.errors.ts';
import { dataQuality } from './quality.service.ts';
import { downloadExport, getOperation, startOperation } from './operations.ts';
import { addNote, setTag } from './tags.service.ts';

export const customerRoutes = [
  defineRoute({
    method: 'GET',
    url: '/customers/quality',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Data quality: completeness and validity per field, overall and per first channel',
    response: qualityReport,
    handler: async ({ ctx }) => ({ rows: await dataQuality(ctx.db, ctx.clock.now()) }),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/panels',
    access: 'customers.read',
    tag: 'customers',
    summary: "The 360's module panels: titles and labelled columns, the same for every person",
    response: customerPanelDefinitions,
    handler: async ({ ctx }) => panelDefinitions(ctx.modules.panels),
  }),
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
        now: ctx.clock.now(),
      }),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id/panels',
    access: 'customers.read',
    tag: 'customers',
    summary: "A customer's module panels (loyalty, messages, tickets …): rows and actions, read beside the 360",
    params: idParams,
    query: customerPanelsQuery,
    response: customerPanelsBody,
    handler: ({ ctx, params, query }) =>
      customerPanels(ctx.db, { id: params.id, panels: ctx.modules.panels, keys: query.keys?.split(','), now: ctx.clock.now() }),
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
    method: 'GET',
    url: '/customers/:id/orders',
    access: 'customers.read',
    tag: 'customers',
    summary: 'A customer’s orders with items and parcels, newest first (cursor pagination)',
    params: idParams,
    query: orderPageQuery,
    response: orderPage,
    handler: ({ ctx, params, query }) => customerOrders(ctx.db, params.id, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/:id/tags',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Tag a customer',
    params: idParams,
    body: tagBody,
    response: tagList,
    handler: async ({ ctx, params, body, principal, ip }) => ({
      tags: await setTag(ctx.db, { customerId: params.id, tag: body.tag, present: true, actor: actorOf(principal, ip) }),
    }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/:id/tags/remove',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Remove a tag from a customer',
    params: idParams,
    body: tagBody,
    response: tagList,
    handler: async ({ ctx, params, body, principal, ip }) => ({
      tags: await setTag(ctx.db, { customerId: params.id, tag: body.tag, present: false, actor: actorOf(principal, ip) }),
    }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/:id/notes',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Add a note to a customer',
    params: idParams,
    body: noteBody,
    response: noteList,
    handler: async ({ ctx, params, body, principal, ip }) => ({
      notes: await addNote(ctx.db, { customerId: params.id, body: body.body, actor: actorOf(principal, ip) }),
    }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/bulk-tag',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Tag or untag every customer matching a filter, as a background job with progress',
    status: 202,
    body: bulkTagBody,
    response: operationBody,
    handler: ({ ctx, body, principal, ip }) =>
      startOperation(ctx, {
        kind: body.action === 'add' ? 'tag' : 'untag',
        filter: body.filter,
        tag: body.tag,
        actor: actorOf(principal, ip),
      }),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/export',
    access: 'customers.export',
    tag: 'customers',
    summary: 'Export every customer matching a filter to CSV (masked unless reveal), as a background job; audited',
    status: 202,
    body: exportBody,
    response: operationBody,
    handler: ({ ctx, body, principal, ip }) => {
      if (body.reveal && !principal!.permissions.has('pii.read')) throw customerErrors.revealForbidden();
      return startOperation(ctx, {
        kind: 'export',
        filter: body.filter,
        reveal: body.reveal,
        language: body.language,
        actor: actorOf(principal, ip),
      });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/customer-operations/:id',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Progress of a bulk tag or export',
    params: idParams,
    response: operationBody,
    handler: ({ ctx, params }) => getOperation(ctx.db, params.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/customer-operations/:id/download',
    access: 'customers.export',
    tag: 'customers',
    summary: 'Download a finished export (CSV with a BOM, header in the language asked for); audited',
    params: idParams,
    handler: async ({ ctx, params, principal, ip, reply }) => {
      const file = await downloadExport(ctx.db, { id: params.id, actor: actorOf(principal, ip) });
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="customers-${params.id}.csv"`);
      return file;
    },
  }),
];
