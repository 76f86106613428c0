import { idParams, okBody, queuedBody } from '../../../contracts/common.ts';
import { duplicatePairList, duplicatePairQuery } from '../../../contracts/customers.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { dismissDuplicatePair, duplicatesScanJob, listDuplicatePairs } from './duplicates.service.ts';

export const duplicateRoutes = [
  defineRoute({
    method: 'GET',
    url: '/customers/duplicate-pairs',
    access: 'customers.read',
    tag: 'customers',
    summary: 'The duplicate review queue: likely duplicate pairs with their score and reasons, best first',
    query: duplicatePairQuery,
    response: duplicatePairList,
    handler: ({ ctx, query }) => listDuplicatePairs(ctx.db, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/duplicate-pairs/scan',
    access: 'customers.write',
    tag: 'customers',
    status: 202,
    summary: 'Look for duplicate pairs across every customer now (also nightly), in the background',
    response: queuedBody,
    handler: async ({ ctx }) => {
      await ctx.queue.enqueue(duplicatesScanJob, {});
      return { queued: true as const };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/duplicate-pairs/:id/dismiss',
    access: 'customers.write',
    tag: 'customers',
    summary: 'Not the same person: the pair leaves the queue and is not suggested again; audited',
    params: idParams,
    response: okBody,
    handler: ({ ctx, params, principal, ip }) =>
      dismissDuplicatePair(ctx.db, { id: params.id, actor: actorOf(principal, ip), now: ctx.clock.now() }),
  }),
];
