import { apiKeyBody, apiKeyList, createApiKeyBody, createApiKeyResult } from '../../../contracts/auth.ts';
import { idParams } from '../../../contracts/common.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service.ts';

export const apiKeyRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api-keys',
    access: 'apikeys.manage',
    tag: 'api-keys',
    summary: 'List API keys (secrets are never shown again)',
    response: apiKeyList,
    handler: async ({ ctx }) => ({ items: await listApiKeys(ctx.db) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api-keys',
    access: 'apikeys.manage',
    tag: 'api-keys',
    summary: 'Create an API key with a role and optional scopes; the secret is returned once',
    status: 201,
    body: createApiKeyBody,
    response: createApiKeyResult,
    handler: ({ ctx, body, principal, ip }) =>
      createApiKey(ctx.db, {
        ...body,
        actor: actorOf(principal, ip),
        actorRole: principal!.role,
        createdBy: principal!.kind === 'user' ? principal!.id : null,
      }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api-keys/:id/revoke',
    access: 'apikeys.manage',
    tag: 'api-keys',
    summary: 'Revoke an API key (takes effect on its next request)',
    params: idParams,
    response: apiKeyBody,
    handler: ({ ctx, params, principal, ip }) =>
      revokeApiKey(ctx.db, { id: params.id, actor: actorOf(principal, ip), now: ctx.clock.now() }),
  }),
];
