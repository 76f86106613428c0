import { okBody } from '../../../contracts/common.ts';
import { domainEventPage, domainEventQuery, redeliverParams } from '../../../contracts/events.ts';
import { listDomainEvents, redeliver } from '../../events/index.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';

export const eventErrors = {
  deliveryNotFound: (id: number, subscriber: string) =>
    new AppError('EVENT_DELIVERY_NOT_FOUND', 'not_found', `Event ${id} has no delivery to "${subscriber}".`),
};

export const eventRoutes = [
  defineRoute({
    method: 'GET',
    url: '/domain-events',
    access: 'jobs.read',
    tag: 'jobs',
    summary: 'Domain events newest first, with their deliveries to each subscriber',
    query: domainEventQuery,
    response: domainEventPage,
    handler: ({ ctx, query }) => listDomainEvents(ctx.db, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/domain-events/:id/deliveries/:subscriber/redeliver',
    access: 'jobs.manage',
    tag: 'jobs',
    summary: 'Deliver an event to a subscriber again (audited)',
    params: redeliverParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await ctx.db.transaction().execute(async (trx) => {
        if (!(await redeliver(trx, params.id, params.subscriber))) throw eventErrors.deliveryNotFound(params.id, params.subscriber);
        await recordAudit(trx, {
          actor: actorOf(principal, ip),
          action: 'event.redeliver',
          target: { type: 'domain_event', id: params.id },
          details: { subscriber: params.subscriber },
        });
      });
      return { ok: true as const };
    },
  }),
];
