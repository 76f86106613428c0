import { createIntegrationBody, createIntegrationResult, integrationList } from '../../../contracts/integrations.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { createIntegration, listIntegrations } from './integrations.service.ts';

export const integrationRoutes = [
  defineRoute({
    method: 'GET',
    url: '/integrations',
    access: 'settings.manage',
    tag: 'integrations',
    summary: 'Connected platforms and their webhook addresses',
    response: integrationList,
    handler: async ({ ctx }) => ({ items: await listIntegrations(ctx.db) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/integrations',
    access: 'settings.manage',
    tag: 'integrations',
    summary: 'Connect a platform (Shopify, WooCommerce, Taobao/Tmall, Douyin, Youzan); the signing secret is stored encrypted',
    status: 201,
    body: createIntegrationBody,
    response: createIntegrationResult,
    handler: ({ ctx, body, principal, ip }) => createIntegration(ctx.db, ctx.keyring, { ...body, actor: actorOf(principal, ip) }),
  }),
];
