import { categoryList, productList, productSearchQuery } from '../../../contracts/commerce.ts';
import { defineRoute } from '../../http/route.ts';
import { listCategories, searchProducts } from './products.service.ts';

export const commerceRoutes = [
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
