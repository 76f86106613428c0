import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/**
 * Domain events: what happened to a customer, written inside the transaction that caused it and delivered once to
 * each subscriber, in order per customer. Each type has a versioned payload schema; a change to a payload is a new
 * version, and subscribers read `version`.
 */
/** Small on purpose (an import writes one per order and step): the rest is the order's, read through commerce. */
const orderEvent = z.object({
  orderId: z.number().int(),
  status: z.string(),
  currency: z.string(),
  totalAmount: z.number().int(),
  refundedAmount: z.number().int(),
  importId: z.number().int().nullable().describe('The CSV import that wrote the order (history being loaded), else null'),
});
const segmentEvent = z.object({ segmentId: z.number().int(), historyId: z.number().int() });
/** A price drop or a restock the catalogue told: the product as it is now, and what it was. */
const productEvent = z.object({
  productId: z.number().int(),
  sku: z.string(),
  externalId: z.string().nullable(),
  name: z.string(),
  currency: z.string(),
  price: z.number().int(),
  previousPrice: z.number().int(),
  stock: z.number().int().nullable(),
});
const ticketEvent = z.object({
  ticketId: z.number().int(),
  channel: z.string(),
  type: z.string(),
  priority: z.string(),
  queue: z.string().nullable(),
});

export const DOMAIN_EVENTS = {
  'order.placed': orderEvent,
  'order.paid': orderEvent,
  'order.shipped': orderEvent,
  'order.delivered': orderEvent,
  'order.completed': orderEvent,
  'order.cancelled': orderEvent,
  'order.refunded': orderEvent,
  'segment.entered': segmentEvent,
  'segment.exited': segmentEvent,
  'customer.merged': z.object({ mergeId: z.number().int(), survivorId: z.number().int(), mergedId: z.number().int() }),
  'customer.erased': z.object({ requestId: z.number().int() }),
  /** A person came to be (any path: the API, an import, tracking, an order). Written only while subscribed to. */
  'customer.created': z.object({ customerId: z.number().int() }),
  /** Profile fields changed (names of the fields, not their values). Written only while subscribed to. */
  'customer.updated': z.object({ customerId: z.number().int(), fields: z.array(z.string()) }),
  /** A points ledger entry (earned, bonus, adjusted, redeemed, expired, clawed back). Written only while subscribed to. */
  'points.changed': z.object({
    entryId: z.number().int(),
    kind: z.string(),
    points: z.number().int(),
    source: z.string(),
    orderId: z.number().int().nullable(),
  }),
  /**
   * A customer wrote back on a channel Patron sends on (an SMS reply that is no opt-out). The sender's address and the
   * text are personal data: both encrypted with the keyring. `customerId` is the address's holder, null if unknown.
   */
  'message.replied': z.object({ channel: z.enum(['sms']), provider: z.string(), fromEnc: z.string(), textEnc: z.string() }),
  /** An SMS's delivery receipt said it arrived (written only while something subscribes to it). */
  'message.delivered': z.object({ messageId: z.number().int(), channel: z.string(), template: z.string().nullable(), source: z.string() }),
  /** A person followed a tracked link of a message (bots and link scanners included: `machine`; only while subscribed). */
  'message.clicked': z.object({
    messageId: z.number().int(),
    channel: z.string(),
    template: z.string().nullable(),
    url: z.string(),
    machine: z.boolean(),
  }),
  /** A product's price went down (not a person's event: customerId is null). Written only while subscribed to. */
  'product.price_dropped': productEvent,
  /** A product out of stock (0) has stock again. Written only while subscribed to. */
  'product.back_in_stock': productEvent,
  /** A service ticket was opened (any channel: mail, chat, SMS, the API, a negative social post). */
  'ticket.created': ticketEvent,
  /** A ticket was solved (again, after a reopen: another event). */
  'ticket.solved': ticketEvent,
  /** A return or exchange moved to a new state (created included: from is null). */
  'return.updated': z.object({
    returnId: z.number().int(),
    orderId: z.number().int(),
    from: z.string().nullable(),
    state: z.string(),
    origin: z.string(),
    resolution: z.string().nullable(),
  }),
  /**
   * A person finished a survey (or changed a finished response) — or, for an invitation about something (subject
   * `ticket:<id>`, `order:<id>`), saved any answer, so a rating given without the rest still counts. nps, csat: the
   * first such question's score; comment: the first free-text answer, for a subject's owner to keep beside it.
   */
  'survey.answered': z.object({
    surveyId: z.number().int(),
    responseId: z.number().int(),
    nps: z.number().int().nullable(),
    csat: z.number().int().nullable().default(null),
    completed: z.boolean().default(true),
    subject: z.string().default(''),
    comment: z.string().nullable().default(null),
  }),
  /**
   * A journey's webhook step was reached (once per run and step): for the shop's own systems to act on, through a
   * webhook endpoint subscribed to it. `orderId`: the run's order, if it has one.
   */
  'journey.webhook': z.object({
    journeyId: z.number().int(),
    runId: z.number().int(),
    step: z.string(),
    name: z.string(),
    orderId: z.number().int().nullable(),
  }),
} as const;

export type DomainEventType = keyof typeof DOMAIN_EVENTS;
export const DOMAIN_EVENT_TYPES = Object.keys(DOMAIN_EVENTS) as DomainEventType[];
export type DomainEventPayload<T extends DomainEventType> = z.infer<(typeof DOMAIN_EVENTS)[T]>;

export const deliveryStatuses = ['pending', 'delivered', 'failed'] as const;

export const domainEventBody = z.object({
  id: z.number().int(),
  key: z.string(),
  type: z.string(),
  version: z.number().int(),
  customerId: z.number().int().nullable(),
  payload: z.unknown(),
  occurredAt: z.string(),
  createdAt: z.string(),
  deliveries: z.array(
    z.object({
      subscriber: z.string(),
      status: z.enum(deliveryStatuses),
      attempts: z.number().int(),
      error: z.string().nullable(),
      deliveredAt: z.string().nullable(),
    }),
  ),
});
export const domainEventQuery = z.strictObject({
  ...pageQuery,
  type: z.enum(DOMAIN_EVENT_TYPES as [DomainEventType, ...DomainEventType[]]).optional(),
  customerId: z.coerce.number().int().positive().optional(),
  status: z.enum(deliveryStatuses).optional().describe('Only events with a delivery in this state'),
});
export const domainEventPage = pageOf(domainEventBody);
export const redeliverParams = z.strictObject({ id: z.coerce.number().int().positive(), subscriber: z.string().min(1).max(100) });
