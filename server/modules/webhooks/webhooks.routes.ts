import { idParams, okBody } from '../../../contracts/common.ts';
import {
  endpointStatusBody,
  replayBody,
  replayResult,
  rotateSecretBody,
  webhookDeliveryList,
  webhookDeliveryQuery,
  webhookEndpointBody,
  webhookEndpointList,
  webhookSecretResult,
} from '../../../contracts/webhooks.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { listDeliveries, replay } from './deliver.ts';
import { createEndpoint, deleteEndpoint, listEndpoints, rotateSecret, setEndpointStatus, updateEndpoint } from './endpoints.ts';

export const webhooksRoutes = [
  defineRoute({
    method: 'GET',
    url: '/webhooks',
    access: 'settings.read',
    tag: 'webhooks',
    summary: 'Outbound webhook endpoints: events, filters, state (paused after failures, and why), waiting and failed deliveries',
    response: webhookEndpointList,
    handler: ({ ctx }) => listEndpoints(ctx.db, ctx.clock.now()),
  }),
  defineRoute({
    method: 'POST',
    url: '/webhooks',
    access: 'settings.manage',
    tag: 'webhooks',
    summary: 'Add an endpoint; its signing secret is in the answer, this once. Personal data in clear needs pii.read (audited)',
    body: webhookEndpointBody,
    response: webhookSecretResult,
    status: 201,
    handler: ({ ctx, body, principal, ip }) =>
      createEndpoint(ctx.db, ctx.keyring, body, { principal, actor: actorOf(principal, ip) }, ctx.clock.now()),
  }),
  defineRoute({
    method: 'PUT',
    url: '/webhooks/:id',
    access: 'settings.manage',
    tag: 'webhooks',
    summary: 'Change an endpoint (its URL, events, filters, personal data grant, pause threshold)',
    params: idParams,
    body: webhookEndpointBody,
    response: okBody,
    handler: async ({ ctx, params, body, principal, ip }) => {
      await updateEndpoint(ctx.db, params.id, body, { principal, actor: actorOf(principal, ip) }, ctx.clock.now());
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/webhooks/:id',
    access: 'settings.manage',
    tag: 'webhooks',
    summary: 'Remove an endpoint and its delivery log',
    params: idParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await deleteEndpoint(ctx.db, params.id, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/webhooks/:id/status',
    access: 'settings.manage',
    tag: 'webhooks',
    summary: 'Pause an endpoint, or resume it: what waited is sent, with a new day of retries',
    params: idParams,
    body: endpointStatusBody,
    response: okBody,
    handler: async ({ ctx, params, body, principal, ip }) => {
      await setEndpointStatus(ctx.db, params.id, body.status, actorOf(principal, ip), ctx.clock.now());
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/webhooks/:id/rotate-secret',
    access: 'settings.manage',
    tag: 'webhooks',
    summary: 'A new signing secret (in the answer, this once); the old one also signs for the overlap',
    params: idParams,
    body: rotateSecretBody,
    response: webhookSecretResult,
    handler: ({ ctx, params, body, principal, ip }) =>
      rotateSecret(ctx.db, ctx.keyring, params.id, body.overlapHours, actorOf(principal, ip), ctx.clock.now()),
  }),
  defineRoute({
    method: 'GET',
    url: '/webhooks/:id/deliveries',
    access: 'settings.read',
    tag: 'webhooks',
    summary: 'The delivery log: each body sent and the answer (truncated), attempts, when the next one is',
    params: idParams,
    query: webhookDeliveryQuery,
    response: webhookDeliveryList,
    handler: ({ ctx, params, query }) => listDeliveries(ctx.db, params.id, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/webhooks/:id/replay',
    access: 'settings.manage',
    tag: 'webhooks',
    summary: 'Send one delivery again, or the (failed) deliveries of a time range; audited',
    params: idParams,
    body: replayBody,
    response: replayResult,
    handler: ({ ctx, params, body, principal, ip }) => replay(ctx.db, params.id, body, actorOf(principal, ip), ctx.clock.now()),
  }),
];
