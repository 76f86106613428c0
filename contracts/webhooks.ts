import { z } from 'zod';
import { DOMAIN_EVENTS, type DomainEventType } from './events.ts';
import { pageOf, pageQuery } from './common.ts';

/**
 * Outbound webhooks: a shop's other systems (ERP, shop front, warehouse, WeCom bots) told of what happens, signed,
 * at least once. The events an endpoint may subscribe to are the domain events (an SMS reply, which carries a
 * customer's own words, is not offered).
 */
export const WEBHOOK_EVENTS = (Object.keys(DOMAIN_EVENTS) as DomainEventType[]).filter((t) => t !== 'message.replied');
export const webhookEvent = z.enum(WEBHOOK_EVENTS as [DomainEventType, ...DomainEventType[]]);

/** The payload version this build sends (`version` in the body; a change to a body's shape is a new version). */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/** Deliver only events whose data field (segmentId, status, state …) has one of these values. */
export const webhookFilter = z.strictObject({
  field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/),
  in: z.array(z.string().max(200)).min(1).max(50),
});

export const webhookEndpointBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  url: z.url({ protocol: /^https?$/ }).max(2000),
  events: z.array(webhookEvent).min(1).max(WEBHOOK_EVENTS.length),
  filters: z.array(webhookFilter).max(5).default([]),
  /** Send the customer's name, e-mail and phone in clear (needs the granting user's pii.read; audited). Else masked. */
  pii: z.boolean().default(false),
  /** Consecutive failed attempts after which the endpoint is paused (an alert in Settings → Webhooks). */
  pauseAfter: z.number().int().min(1).max(1000).default(20),
});
export type WebhookEndpointBody = z.infer<typeof webhookEndpointBody>;

export const webhookEndpointView = webhookEndpointBody.extend({
  id: z.number().int(),
  status: z.enum(['active', 'paused']),
  failures: z.number().int().describe('Consecutive failed attempts'),
  pausedReason: z.string().nullable(),
  pausedAt: z.string().nullable(),
  /** Until when the secret before the last rotation is still signed with (a second signature). */
  previousSecretUntil: z.string().nullable(),
  pending: z.number().int(),
  failedLast24h: z.number().int(),
  createdAt: z.string(),
});
export const webhookEndpointList = z.array(webhookEndpointView);
/** Shown once: on creation and on rotation. */
export const webhookSecretResult = z.object({ id: z.number().int(), secret: z.string(), previousSecretUntil: z.string().nullable() });
export const rotateSecretBody = z.strictObject({
  /** Hours the old secret keeps signing beside the new one, so receivers can switch without dropping a delivery. */
  overlapHours: z.number().int().min(0).max(168).default(24),
});
export const endpointStatusBody = z.strictObject({ status: z.enum(['active', 'paused']) });

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export const webhookDeliveryQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  eventType: webhookEvent.optional(),
});
export const webhookDeliveryView = z.object({
  id: z.number().int(),
  deliveryId: z.string(),
  eventId: z.number().int(),
  eventType: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  nextAt: z.string().nullable(),
  request: z.string().describe('The body sent (truncated to 4 KB)'),
  responseStatus: z.number().int().nullable(),
  response: z.string().nullable().describe('The answer (truncated to 2 KB)'),
  error: z.string().nullable(),
  replayOf: z.number().int().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export const webhookDeliveryList = pageOf(webhookDeliveryView);
/** Send again: one delivery, or every delivery of the endpoint created in a time range (failed ones only, unless all). */
export const replayBody = z.union([
  z.strictObject({ deliveryId: z.number().int().positive() }),
  z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), failedOnly: z.boolean().default(true) }),
]);
export const replayResult = z.object({ queued: z.number().int() });
