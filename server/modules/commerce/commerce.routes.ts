import { categoryList, productList, productSearchQuery } from '../../../contracts/commerce.ts';
import { idParams } from '../../../contracts/common.ts';
import { channelList, orderDetail, orderList, orderListQuery } from '../../../contracts/orders.ts';
import { defineRoute } from '../../http/route.ts';
import { storeSettingsOf } from '../system/index.ts';
import { getOrder, listOrders } from './orders.query.ts';
import { listCategories, searchProducts } from './products.service.ts';

export const commerceRoutes = [
  defineRoute({
    method: 'GET',
    url: '/channels',
    access: 'authenticated',
    tag: 'commerce',
    summary: 'Sales channels with their display names (for pickers and labels)',
    response: channelList,
    handler: async ({ ctx }) => ({
      items: await ctx.db.selectFrom('channels').select(['code', 'name', 'kind', 'platform']).orderBy('id').execute(),
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/orders',
    access: 'customers.read',
    tag: 'commerce',
    summary:
      'Orders of every channel, newest first: search by order or tracking number, filter by status, channel, day, amount and buyer (cursor pages)',
    query: orderListQuery,
    response: orderList,
    handler: async ({ ctx, query }) => listOrders(ctx.db, query, (await storeSettingsOf(ctx)).timeZone),
  }),
  defineRoute({
    method: 'GET',
    url: '/orders/:id',
    access: 'customers.read',
    tag: 'commerce',
    summary: 'One order: lines, payment and lifecycle times, refunds and parcels',
    params: idParams,
    response: orderDetail,
    handler: ({ ctx, params }) => getOrder(ctx.db, params.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/products',
    access: 'customers.read',
    tag: 'commerce',
    summary: 'Search products by SKU prefix or name (for pickers over large catalogues)',
    query: productSearchQuery,
    response: productList,
    handler: ({ ctx, query }) => searchProducts(ctx.db, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/products/categories',
    access: 'customers.read',
    tag: 'commerce',
    summary: 'Every product category with its number of products',
    response: categoryList,
    handler: ({ ctx }) => listCategories(ctx.db),
  }),
];
