import { z } from 'zod';
import { upsertCustomerBody } from './customers.ts';

/** REST ingestion of orders, products, refunds and events: by external id, single or up to 1,000 per call. */

const code = z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, 'lowercase letters, digits and _, starting with a letter');
const minor = z.number().int().min(0).max(1e13).describe('Minor units (fen, cents)');
const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code');
const when = z.iso.datetime({ offset: true });
const externalId = z.union([z.string().trim().min(1).max(200), z.number().int().nonnegative()]);

export const orderStatus = z.enum([
  'pending_payment',
  'paid',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
  'refunded',
  'partially_refunded',
]);

export const orderUpsertBody = z.strictObject({
  channel: code.describe('Channel code (created on first use), e.g. tmall, jd, shopify, store_sh'),
  externalId: externalId.describe('The order id on that channel'),
  customer: upsertCustomerBody.describe('The buyer, found or created by these identifiers; address fields become the shipping address'),
  status: orderStatus,
  currency: currency.optional().describe('Default: the store currency'),
  totalAmount: minor,
  discountAmount: minor.optional(),
  shippingAmount: minor.optional(),
  refundedAmount: minor.optional(),
  couponCodes: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
  placedAt: when,
  paidAt: when.nullable().optional(),
  shippedAt: when.nullable().optional(),
  deliveredAt: when.nullable().optional(),
  completedAt: when.nullable().optional(),
  cancelledAt: when.nullable().optional(),
  items: z
    .array(
      z.strictObject({
        sku: z.string().trim().min(1).max(100),
        name: z.string().trim().min(1).max(300),
        category: z.string().max(100).optional(),
        quantity: z.number().int().min(1).max(1_000_000),
        unitPrice: minor,
      }),
    )
    .max(500)
    .optional()
    .describe('Replaces the order’s items when given'),
});
export const orderUpsertResult = z.object({ orderId: z.number().int(), customerId: z.number().int(), created: z.boolean() });

export const productUpsertBody = z.strictObject({
  sku: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(300),
  category: z.string().trim().max(100).optional(),
  price: minor,
  currency: currency.optional(),
  stock: z
    .number()
    .int()
    .min(0)
    .max(2_000_000_000)
    .optional()
    .describe('Stock on hand; absent: unchanged. From 0 to more is a restock (back-in-stock journeys)'),
  externalId: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('The platform’s own product id, which tracked events may name as product_id'),
});
export const productUpsertResult = z.object({ productId: z.number().int(), created: z.boolean() });

export const refundBody = z.strictObject({
  channel: code,
  orderExternalId: externalId,
  refundId: externalId.describe('The refund’s own id: the same refund twice changes nothing'),
  amount: minor.optional().describe('Default: the rest of the order'),
  reason: z.string().max(500).optional(),
  refundedAt: when,
});
export const refundResult = z.object({ orderId: z.number().int(), amount: z.number().int(), created: z.boolean() });

export const eventIngestBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    type: z.enum(['track', 'page', 'screen']).default('track'),
    customer: upsertCustomerBody.optional().describe('Who did it, by identifiers (created when unknown)'),
    customerId: z.number().int().positive().optional(),
    anonymousId: z.string().trim().min(1).max(200).optional(),
    properties: z.record(z.string(), z.unknown()).default({}).describe('Personal keys (phone, email, address…) are dropped'),
    occurredAt: when,
    messageId: z.string().trim().min(1).max(200).optional().describe('Dedupe key; derived from the content when absent'),
  })
  .refine((e) => e.customer || e.customerId || e.anonymousId, { message: 'Give customer, customerId or anonymousId', path: ['customer'] });
export const eventIngestResult = z.object({
  customerId: z.number().int().nullable(),
  stored: z.boolean().describe('false: an event with this message id was already stored'),
});

const bulkOf = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item).min(1).max(1000) });
const bulkResult = <T extends z.ZodObject>(ok: T) =>
  z.object({
    results: z.array(
      z.union([
        ok.extend({ index: z.number().int(), ok: z.literal(true) }),
        z.object({ index: z.number().int(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
      ]),
    ),
  });

export const bulkOrders = bulkOf(orderUpsertBody);
export const bulkOrdersResult = bulkResult(orderUpsertResult);
export const bulkProducts = bulkOf(productUpsertBody);
export const bulkProductsResult = bulkResult(productUpsertResult);
export const bulkEvents = bulkOf(eventIngestBody);
export const bulkEventsResult = bulkResult(eventIngestResult);

export const productSearchQuery = z.strictObject({
  q: z.string().trim().max(100).optional().describe('SKU prefix or part of the name'),
  category: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const productList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      sku: z.string(),
      name: z.string(),
      category: z.string(),
      price: z.number().int(),
      currency: z.string(),
      stock: z.number().int().nullable(),
    }),
  ),
});
export const categoryList = z.object({ items: z.array(z.object({ category: z.string(), products: z.number().int() })) });
