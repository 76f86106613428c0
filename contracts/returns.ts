import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/**
 * Returns and exchanges (RMA): a request per order, its lines, the states it walks through and how it was resolved.
 * requested → approved | rejected → in_transit (the customer sent the parcel) → received → inspected → resolved →
 * closed; cancelled by the customer before the parcel arrives. A refund-only request (仅退款) may be resolved from
 * approved without a parcel.
 */
export const RETURN_STATES = [
  'requested',
  'approved',
  'rejected',
  'in_transit',
  'received',
  'inspected',
  'resolved',
  'closed',
  'cancelled',
] as const;
export type ReturnState = (typeof RETURN_STATES)[number];
export const RETURN_RESOLUTIONS = ['refund', 'exchange', 'store_credit'] as const;
export type ReturnResolution = (typeof RETURN_RESOLUTIONS)[number];
export const LINE_OUTCOMES = ['accepted', 'partly', 'refused'] as const;

/** The moves a return can make, and the states each may start from. */
export const RETURN_MOVES = {
  approve: ['requested'],
  reject: ['requested'],
  ship: ['approved', 'in_transit'],
  receive: ['approved', 'in_transit'],
  inspect: ['received'],
  resolve: ['approved', 'inspected'],
  close: ['resolved', 'rejected'],
  cancel: ['requested', 'approved'],
} as const satisfies Record<string, readonly ReturnState[]>;
export type ReturnMove = keyof typeof RETURN_MOVES;

const reasonKey = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9_]+$/);
export const returnReason = z.strictObject({
  key: reasonKey,
  names: z.strictObject({ 'zh-CN': z.string().min(1).max(60), en: z.string().min(1).max(60) }),
  /** The shop's fault (quality, wrong item, damage): counted apart in the root-cause report. */
  merchantFault: z.boolean().default(false),
});

export const returnSettings = z.strictObject({
  reasons: z
    .array(returnReason)
    .min(1)
    .max(50)
    .default([
      { key: 'size', names: { 'zh-CN': '尺码不合适', en: 'Wrong size' }, merchantFault: false },
      { key: 'quality', names: { 'zh-CN': '质量问题', en: 'Quality problem' }, merchantFault: true },
      { key: 'wrong_item', names: { 'zh-CN': '发错货', en: 'Wrong item sent' }, merchantFault: true },
      { key: 'damaged', names: { 'zh-CN': '运输损坏', en: 'Damaged in transit' }, merchantFault: true },
      { key: 'not_as_described', names: { 'zh-CN': '与描述不符', en: 'Not as described' }, merchantFault: true },
      { key: 'changed_mind', names: { 'zh-CN': '不想要了（七天无理由）', en: 'Changed my mind' }, merchantFault: false },
      { key: 'late', names: { 'zh-CN': '发货太慢', en: 'Arrived too late' }, merchantFault: true },
      { key: 'other', names: { 'zh-CN': '其他', en: 'Other' }, merchantFault: false },
    ]),
  /** Requests asked for within this many days of delivery (of placing, when never delivered) may be asked for at all. */
  windowDays: z.number().int().min(1).max(365).default(15),
  autoApprove: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Within this many days of delivery. */
      withinDays: z.number().int().min(0).max(365).default(7),
      /** Lines worth at most this much in all (minor units). */
      maxValue: z.number().int().min(0).default(20_000),
      /** Customers carrying this tag (say, repeated returners) are always looked at by a person. */
      flaggedTag: z.string().max(50).default('return_watch'),
      /** Reasons that are never approved without a person (say, quality claims needing photos). */
      reasons: z.array(reasonKey).max(50).default([]),
    })
    .default({ enabled: false, withinDays: 7, maxValue: 20_000, flaggedTag: 'return_watch', reasons: [] }),
  /** Points given per whole currency unit of the accepted value when resolved as store credit (none named). */
  creditPointsPerUnit: z.number().min(0).max(10_000).default(1),
  /** Messages the customer is sent at each state (transactional templates; the shipped ones or the store's own). */
  notify: z.boolean().default(true),
});
export type ReturnSettings = z.infer<typeof returnSettings>;

const lineIn = z.strictObject({
  orderItemId: z.number().int().positive(),
  quantity: z.number().int().min(1).max(10_000),
});
const photoIn = z.strictObject({
  fileName: z.string().min(1).max(200),
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp', 'image/gif']),
  /** Base64, at most 2 MB decoded. */
  data: z.string().max(2_800_000),
});

export const createReturnBody = z.strictObject({
  orderId: z.number().int().positive(),
  lines: z.array(lineIn).min(1).max(100),
  reason: reasonKey,
  note: z.string().max(2000).default(''),
  photos: z.array(photoIn).max(6).default([]),
  /** Refund only, nothing sent back (仅退款): an approved request may be resolved without a parcel. */
  refundOnly: z.boolean().default(false),
  /** The ticket the request came up on (shown in its sidebar). */
  ticketId: z.number().int().positive().optional(),
});
export type CreateReturnBody = z.infer<typeof createReturnBody>;

/** A customer's own request from their signed page: the lines of their order, why, and photos. */
export const customerReturnBody = createReturnBody.omit({ orderId: true, ticketId: true });

export const moveReturnBody = z.discriminatedUnion('move', [
  z.strictObject({ move: z.literal('approve'), note: z.string().max(2000).optional() }),
  z.strictObject({ move: z.literal('reject'), reason: z.string().min(1).max(500) }),
  z.strictObject({ move: z.literal('ship'), carrier: z.string().min(1).max(60), trackingNumber: z.string().min(3).max(60) }),
  z.strictObject({ move: z.literal('receive'), note: z.string().max(2000).optional() }),
  z.strictObject({
    move: z.literal('inspect'),
    lines: z
      .array(
        z.strictObject({
          lineId: z.number().int().positive(),
          acceptedQuantity: z.number().int().min(0),
          refusalReason: z.string().max(500).optional(),
        }),
      )
      .min(1)
      .max(100),
  }),
  z.strictObject({
    move: z.literal('resolve'),
    resolution: z.enum(RETURN_RESOLUTIONS),
    /** Refund: minor units; default the accepted lines' value (the whole request's for a refund without a parcel). */
    amount: z.number().int().min(0).optional(),
    /** Store credit: points (default by the settings' rate) or a loyalty coupon template instead. */
    points: z.number().int().min(1).optional(),
    couponTemplateId: z.number().int().positive().optional(),
    note: z.string().max(2000).optional(),
  }),
  z.strictObject({ move: z.literal('close'), note: z.string().max(2000).optional() }),
  z.strictObject({ move: z.literal('cancel'), note: z.string().max(2000).optional() }),
]);
export type MoveReturnBody = z.infer<typeof moveReturnBody>;

export const returnLineView = z.object({
  id: z.number().int(),
  orderItemId: z.number().int(),
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number().int(),
  outcome: z.enum(LINE_OUTCOMES).nullable(),
  acceptedQuantity: z.number().int().nullable(),
  refusalReason: z.string().nullable(),
});

export const returnView = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  customerName: z.string().nullable(),
  orderId: z.number().int(),
  orderExternalId: z.string(),
  channel: z.string(),
  origin: z.string(),
  state: z.enum(RETURN_STATES),
  reason: z.string(),
  note: z.string(),
  autoApproved: z.boolean(),
  refundOnly: z.boolean(),
  rejectedReason: z.string().nullable(),
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  resolution: z.enum(RETURN_RESOLUTIONS).nullable(),
  refundAmount: z.number().int().nullable(),
  currency: z.string(),
  exchangeOrderId: z.number().int().nullable(),
  creditPoints: z.number().int().nullable(),
  creditCoupon: z.string().nullable(),
  ticketId: z.number().int().nullable(),
  value: z.number().int().describe('The requested lines at their unit price (minor units)'),
  lines: z.array(returnLineView),
  photos: z.array(z.object({ id: z.number().int(), fileName: z.string(), contentType: z.string(), size: z.number().int() })),
  history: z.array(
    z.object({ from: z.string().nullable(), to: z.string(), actor: z.string(), note: z.string().nullable(), at: z.string() }),
  ),
  pageUrl: z.string().describe("The customer's signed page for this return"),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ReturnView = z.infer<typeof returnView>;

export const returnListQuery = z.strictObject({
  ...pageQuery,
  state: z.enum(RETURN_STATES).optional(),
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Only those still being worked on (requested … inspected)'),
  customerId: z.coerce.number().int().positive().optional(),
  orderId: z.coerce.number().int().positive().optional(),
  origin: z.string().max(40).optional(),
});
export const returnListItem = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  customerName: z.string().nullable(),
  orderExternalId: z.string(),
  origin: z.string(),
  state: z.enum(RETURN_STATES),
  reason: z.string(),
  resolution: z.enum(RETURN_RESOLUTIONS).nullable(),
  value: z.number().int(),
  refundAmount: z.number().int().nullable(),
  currency: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const returnList = pageOf(returnListItem);

/** What an order still allows to be returned: each line bought, how many, how many already on a return. */
export const returnableView = z.object({
  orderId: z.number().int(),
  orderExternalId: z.string(),
  open: z.boolean().describe('Within the return window'),
  lines: z.array(
    z.object({
      orderItemId: z.number().int(),
      sku: z.string(),
      name: z.string(),
      bought: z.number().int(),
      returnable: z.number().int(),
      unitPrice: z.number().int(),
    }),
  ),
});

export const returnsReportQuery = z.strictObject({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export const returnsReport = z.object({
  /** Units returned over units sold, per product (the most returned first), and its change against the period before. */
  products: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      sold: z.number().int(),
      returned: z.number().int(),
      rate: z.number(),
      previousRate: z.number().nullable(),
      change: z.number().nullable(),
      topReasons: z.array(z.object({ reason: z.string(), units: z.number().int() })),
    }),
  ),
  /** Returns and complaints by reason (category) × product × channel × month: the root causes. */
  causes: z.array(
    z.object({
      kind: z.enum(['return', 'complaint']),
      reason: z.string(),
      sku: z.string().nullable(),
      channel: z.string(),
      month: z.string(),
      count: z.number().int(),
    }),
  ),
  byReason: z.array(z.object({ reason: z.string(), requests: z.number().int(), units: z.number().int() })),
  byChannel: z.array(z.object({ channel: z.string(), sold: z.number().int(), returned: z.number().int(), rate: z.number() })),
  byMonth: z.array(z.object({ month: z.string(), requests: z.number().int(), refunded: z.number().int() })),
  refunds: z.object({ count: z.number().int(), amount: z.number().int(), currency: z.string() }),
  /** Hours spent in each state (median and 90th percentile) by returns that left it in the period. */
  timeInState: z.array(
    z.object({ state: z.string(), count: z.number().int(), medianHours: z.number().nullable(), p90Hours: z.number().nullable() }),
  ),
});
export type ReturnsReport = z.infer<typeof returnsReport>;
