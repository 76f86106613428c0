import { idParams } from '../../../contracts/common.ts';
import { createSourceBody, createSourceResult, sourceBody, sourceList } from '../../../contracts/sources.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { createSource, listSources, revokeSource } from './sources.service.ts';

export const sourceRoutes = [
  defineRoute({
    method: 'GET',
    url: '/sources',
    access: 'settings.manage',
    tag: 'sources',
    summary: 'Tracking sources (write keys of the Segment-compatible API)',
    response: sourceList,
    handler: async ({ ctx }) => ({ items: await listSources(ctx.db) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/sources',
    access: 'settings.manage',
    tag: 'sources',
    summary: 'Create a tracking source; its write key is returned once',
    status: 201,
    body: createSourceBody,
    response: createSourceResult,
    handler: ({ ctx, body, principal, ip }) => createSource(ctx.db, { ...body, actor: actorOf(principal, ip) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/sources/:id/revoke',
    access: 'settings.manage',
    tag: 'sources',
    summary: 'Revoke a write key',
    params: idParams,
    response: sourceBody,
    handler: ({ ctx, params, principal, ip }) =>
      revokeSource(ctx.db, { id: params.id, actor: actorOf(principal, ip), now: ctx.clock.now() }),
  }),
];
