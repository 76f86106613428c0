import { z } from 'zod';
import { orderStatus } from './commerce.ts';
import { shipmentStatus } from './common.ts';

/** The orders area: search and filter every channel's orders; an order's items, payments, refunds and parcels. */

export const orderListQuery = z.strictObject({
  q: z.string().trim().max(200).optional().describe('Order number (or its beginning) or a parcel’s tracking number'),
  status: z.union([orderStatus, z.array(orderStatus)]).optional(),
  channel: z.string().max(50).optional().describe('Channel code'),
  from: z.iso.date().optional().describe('Placed on or after this day (store time zone)'),
  to: z.iso.date().optional().describe('Placed on or before this day (store time zone)'),
  minAmount: z.coerce.number().int().min(0).optional().describe('Total at least (minor units)'),
  maxAmount: z.coerce.number().int().min(0).optional().describe('Total at most (minor units)'),
  customerId: z.coerce.number().int().positive().optional().describe('Orders of this buyer'),
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const channelRef = z.object({ code: z.string(), name: z.string() });

export const orderSummary = z.object({
  id: z.number().int(),
  externalId: z.string(),
  channel: channelRef,
  status: orderStatus,
  currency: z.string(),
  totalAmount: z.number().int(),
  refundedAmount: z.number().int(),
  placedAt: z.string(),
  paidAt: z.string().nullable(),
  customer: z.object({ id: z.number().int(), name: z.string().nullable() }),
  items: z.number().int(),
  trackingNumbers: z.array(z.string()),
});
export const orderList = z.object({ items: z.array(orderSummary), nextCursor: z.string().nullable() });

export const shipment = z.object({
  id: z.number().int(),
  carrier: z.string().nullable(),
  trackingNumber: z.string(),
  status: shipmentStatus,
  source: z.string(),
  shippedAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  updatedAt: z.string(),
});

export const orderDetail = orderSummary.extend({
  discountAmount: z.number().int(),
  shippingAmount: z.number().int(),
  couponCodes: z.array(z.string()),
  shippedAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  lines: z.array(
    z.object({ sku: z.string(), name: z.string(), quantity: z.number().int(), unitPrice: z.number().int(), amount: z.number().int() }),
  ),
  refunds: z.array(
    z.object({
      id: z.number().int(),
      externalId: z.string(),
      amount: z.number().int(),
      reason: z.string().nullable(),
      source: z.string(),
      refundedAt: z.string(),
    }),
  ),
  shipments: z.array(shipment),
});

const when = z.iso.datetime({ offset: true });
export type OrderSummary = z.infer<typeof orderSummary>;
export type OrderDetail = z.infer<typeof orderDetail>;

export const shipmentBody = z.strictObject({
  channel: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/),
  orderExternalId: z.union([z.string().trim().min(1).max(200), z.number().int().nonnegative()]),
  carrier: z.string().trim().min(1).max(100).optional().describe('e.g. 顺丰速运, 中通快递, UPS'),
  trackingNumber: z.string().trim().min(1).max(100),
  status: shipmentStatus.default('in_transit'),
  shippedAt: when.optional(),
  deliveredAt: when.optional(),
});
export const shipmentResult = z.object({ shipmentId: z.number().int(), orderId: z.number().int(), status: shipmentStatus });

export const channelList = z.object({
  items: z.array(z.object({ code: z.string(), name: z.string(), kind: z.string(), platform: z.string() })),
});
