import { idParams, okBody } from '../../../contracts/common.ts';
import { savedView, savedViewBody, savedViewList } from '../../../contracts/customers.ts';
import { defineRoute } from '../../http/route.ts';
import { createView, deleteView, listViews } from './views.service.ts';

export const viewRoutes = [
  defineRoute({
    method: 'GET',
    url: '/customer-views',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Saved views of the customers list: yours and those shared with the team',
    response: savedViewList,
    handler: ({ ctx, principal }) => listViews(ctx.db, principal!),
  }),
  defineRoute({
    method: 'POST',
    url: '/customer-views',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Save the customers list’s filter and sort order under a name (optionally shared)',
    status: 201,
    body: savedViewBody,
    response: savedView,
    handler: ({ ctx, principal, body }) => createView(ctx.db, principal!, body),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/customer-views/:id',
    access: 'customers.read',
    tag: 'customers',
    summary: 'Delete one of your saved views',
    params: idParams,
    response: okBody,
    handler: ({ ctx, principal, params }) => deleteView(ctx.db, principal!, params.id),
  }),
];
