import { idParams, okBody } from '../../../contracts/common.ts';
import {
  attributeBody,
  attributeDefinition,
  attributeKeyParams,
  attributeList,
  attributeValues,
  attributeValuesResult,
} from '../../../contracts/customers.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { defineAttribute, deleteAttribute, listAttributes, setCustomerAttributes } from './attributes.service.ts';

export const attributeRoutes = [
  defineRoute({
    method: 'GET',
    url: '/attributes',
    access: 'customers.read',
    tag: 'customers',
    summary: 'The custom-attribute registry (typed keys usable on customers and in segments)',
    response: attributeList,
    handler: async ({ ctx }) => ({ items: await listAttributes(ctx.db) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/attributes',
    access: 'settings.manage',
    tag: 'customers',
    status: 201,
    summary: 'Define a custom attribute: text, number, date, boolean, or enum with its options',
    body: attributeBody,
    response: attributeDefinition,
    handler: ({ ctx, body, principal, ip }) => defineAttribute(ctx.db, { ...body, actor: actorOf(principal, ip) }),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/attributes/:key',
    access: 'settings.manage',
    tag: 'customers',
    summary: 'Remove a custom attribute and every customer’s value for it',
    params: attributeKeyParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await deleteAttribute(ctx.db, params.key, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'PATCH',
    url: '/customers/:id/attributes',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Set custom attribute values on a customer (null removes one); keys and types are checked',
    params: idParams,
    body: attributeValues,
    response: attributeValuesResult,
    handler: async ({ ctx, params, body, principal, ip }) => ({
      attributes: await setCustomerAttributes(ctx.db, params.id, body, actorOf(principal, ip)),
    }),
  }),
];
