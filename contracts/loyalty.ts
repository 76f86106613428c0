import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/**
 * Loyalty: membership (开卡), a points ledger, tiers and coupons. Amounts are in minor units of the store's currency
 * (分), points are whole numbers.
 */

const key = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'lower-case letters, digits, - and _ (at most 32)');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export const tierBody = z.object({
  key,
  name: z.string().trim().min(1).max(60),
  /** The figure (on the programme's basis, over its term) that brings a member up to this tier. */
  entry: z.number().int().min(0),
  /** The figure a member of this tier must reach in a term to keep it at the term's end (≤ entry). */
  keep: z.number().int().min(0),
  multiplier: z.number().min(0).max(20).default(1),
  freeShipping: z.boolean().default(false),
  /** A coupon of this template is issued to whoever reaches the tier. */
  upgradeCouponTemplateId: z.number().int().positive().nullable().default(null),
});
export type TierBody = z.infer<typeof tierBody>;

export const multiplierRule = z.object({
  kind: z.enum(['channel', 'category', 'dates']),
  /** A channel code or a product category; unused for `dates`. */
  value: z.string().max(100).default(''),
  from: isoDate.nullable().default(null),
  to: isoDate.nullable().default(null),
  factor: z.number().min(0).max(20),
});

export const loyaltySettings = z
  .object({
    /** Off until the seller opens the programme: nothing is earned, no one joins by rule. */
    enabled: z.boolean().default(false),
    /** `first_paid_order`: a customer becomes a member with their first paid order; `explicit`: only by joining. */
    joinRule: z.enum(['explicit', 'first_paid_order']).default('first_paid_order'),
    memberNoPrefix: z.string().max(8).default(''),
    /** Points per currency unit (元) of net paid. */
    pointsPerUnit: z.number().min(0).max(1000).default(1),
    pendingDays: z.number().int().min(0).max(365).default(14),
    multipliers: z.array(multiplierRule).max(50).default([]),
    bonuses: z
      .object({
        signup: z.number().int().min(0).default(0),
        birthday: z.number().int().min(0).default(0),
        firstOrder: z.number().int().min(0).default(0),
        review: z.number().int().min(0).default(0),
        referral: z.number().int().min(0).default(0),
      })
      .default({ signup: 0, birthday: 0, firstOrder: 0, review: 0, referral: 0 }),
    expiry: z
      .object({
        mode: z.enum(['never', 'rolling', 'year_end']).default('never'),
        months: z.number().int().min(1).max(120).default(12),
        reminderDays: z.number().int().min(1).max(90).default(30),
        /** A messaging template key; null: no reminder. */
        reminderTemplate: z.string().max(100).nullable().default(null),
      })
      .default({ mode: 'never', months: 12, reminderDays: 30, reminderTemplate: null }),
    tierBasis: z.enum(['net_spend', 'points', 'orders']).default('net_spend'),
    tierTerm: z.enum(['calendar_year', 'rolling_12', 'lifetime']).default('calendar_year'),
    /** Lowest first. */
    tiers: z.array(tierBody).max(12).default([]),
  })
  .superRefine((s, c) => {
    const keys = new Set<string>();
    s.tiers.forEach((t, i) => {
      if (keys.has(t.key)) c.addIssue({ code: 'custom', path: ['tiers', i, 'key'], message: 'duplicate tier key' });
      keys.add(t.key);
      if (t.keep > t.entry) c.addIssue({ code: 'custom', path: ['tiers', i, 'keep'], message: 'keep must not exceed entry' });
      if (i > 0 && t.entry <= s.tiers[i - 1].entry)
        c.addIssue({ code: 'custom', path: ['tiers', i, 'entry'], message: 'entry thresholds must rise from tier to tier' });
    });
  });
export type LoyaltySettings = z.infer<typeof loyaltySettings>;

export const tierMove = z.object({ from: z.string().nullable(), to: z.string().nullable(), members: z.number().int() });
export const tierPreview = z.object({
  moves: z.array(tierMove),
  sample: z.array(z.object({ customerId: z.number().int(), memberNo: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
});

export const joinBody = z.object({
  customerId: z.number().int().positive(),
  /** The 开卡 date when it was earlier than now (members brought from another system). */
  joinedAt: z.iso.datetime({ offset: true }).optional(),
});

export const ledgerKinds = ['earn', 'bonus', 'adjust', 'redeem', 'expire', 'clawback'] as const;
export const ledgerEntry = z.object({
  id: z.number().int(),
  kind: z.enum(ledgerKinds),
  source: z.string(),
  points: z.number().int(),
  remaining: z.number().int(),
  state: z.enum(['pending', 'available', 'used', 'expired', 'spent']),
  availableAt: z.string(),
  expiresAt: z.string().nullable(),
  orderId: z.number().int().nullable(),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  createdAt: z.string(),
});

export const balanceBody = z.object({
  available: z.number().int(),
  pending: z.number().int(),
  /** Available points that expire within the reminder window, and the first such date. */
  expiring: z.number().int(),
  expiringAt: z.string().nullable(),
  earned: z.number().int(),
  spent: z.number().int(),
  expired: z.number().int(),
});

export const memberView = z.object({
  customerId: z.number().int(),
  memberNo: z.string(),
  status: z.enum(['active', 'closed']),
  joinedAt: z.string(),
  source: z.string(),
  tier: z.string().nullable(),
  tierName: z.string().nullable(),
  tierSince: z.string().nullable(),
  tierReviewAt: z.string().nullable(),
  freeShipping: z.boolean(),
  /** The programme figure over the current term and what the next tier needs. */
  progress: z.object({ basis: z.string(), value: z.number(), nextTier: z.string().nullable(), needed: z.number().nullable() }),
  balance: balanceBody,
});
export type MemberView = z.infer<typeof memberView>;

export const memberListQuery = z.object({ ...pageQuery, tier: z.string().max(32).optional(), q: z.string().max(40).optional() });
export const memberList = pageOf(
  z.object({
    customerId: z.number().int(),
    memberNo: z.string(),
    name: z.string().nullable(),
    status: z.enum(['active', 'closed']),
    joinedAt: z.string(),
    tier: z.string().nullable(),
    available: z.number().int(),
    pending: z.number().int(),
  }),
);

export const ledgerQuery = z.object({ ...pageQuery });
export const ledgerPage = pageOf(ledgerEntry);

export const adjustBody = z.object({
  points: z
    .number()
    .int()
    .refine((n) => n !== 0, 'not zero'),
  reason: z.string().trim().min(2).max(300),
});
export const bonusBody = z.object({
  kind: z.enum(['review', 'referral']),
  /** What earned it (the review's or the referred order's id): one bonus per reference. */
  reference: z.string().trim().min(1).max(120),
});
export const redeemPointsBody = z.object({
  points: z.number().int().positive(),
  /** The caller's key for this redemption (an order id): the same key twice is one redemption. */
  key: z.string().trim().min(1).max(120),
  reason: z.string().max(300).optional(),
});
export const memberLink = z.object({ url: z.string() });

// Coupons

export const couponTemplateBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: z.enum(['fixed', 'percent', 'free_shipping']),
    /** fixed: the amount off in minor units. */
    amount: z.number().int().min(0).default(0),
    /** percent: 0–100. */
    percent: z.number().min(0).max(100).default(0),
    /** percent: the most it takes off, in minor units. */
    cap: z.number().int().positive().nullable().default(null),
    minSpend: z.number().int().min(0).default(0),
    /** Channel codes it is good in; empty: everywhere. */
    channels: z.array(z.string().min(1).max(64)).max(50).default([]),
    validFrom: z.iso.datetime({ offset: true }).nullable().default(null),
    validTo: z.iso.datetime({ offset: true }).nullable().default(null),
    /** Good for this many days from when the code is issued (within validFrom–validTo). */
    validDays: z.number().int().positive().max(3650).nullable().default(null),
    usesPerCode: z.number().int().positive().max(1_000_000).default(1),
    perCustomerLimit: z.number().int().positive().nullable().default(null),
  })
  .superRefine((t, c) => {
    if (t.kind === 'fixed' && t.amount <= 0)
      c.addIssue({ code: 'custom', path: ['amount'], message: 'a fixed coupon takes an amount off' });
    if (t.kind === 'percent' && (t.percent <= 0 || t.percent >= 100))
      c.addIssue({ code: 'custom', path: ['percent'], message: 'a percent coupon takes between 0 and 100 % off' });
    if (t.validFrom && t.validTo && t.validTo <= t.validFrom)
      c.addIssue({ code: 'custom', path: ['validTo'], message: 'ends before it starts' });
  });
export type CouponTemplateBody = z.infer<typeof couponTemplateBody>;

export const couponTemplateView = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(['fixed', 'percent', 'free_shipping']),
  amount: z.number().int(),
  percent: z.number(),
  cap: z.number().int().nullable(),
  minSpend: z.number().int(),
  channels: z.array(z.string()),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  validDays: z.number().int().nullable(),
  usesPerCode: z.number().int(),
  perCustomerLimit: z.number().int().nullable(),
  archived: z.boolean(),
  codes: z.number().int(),
  issued: z.number().int(),
  redemptions: z.number().int(),
  discount: z.number().int(),
  createdAt: z.string(),
});
export type CouponTemplateView = z.infer<typeof couponTemplateView>;

export const batchBody = z.object({
  /** How many unique codes (at most 1,000,000 a batch), or one code of your own (a public code like SPRING26). */
  count: z.number().int().positive().max(1_000_000).default(1),
  code: z
    .string()
    .regex(/^[A-Z0-9-]{4,32}$/, 'upper-case letters, digits and - (4–32)')
    .optional(),
  prefix: z
    .string()
    .regex(/^[A-Z0-9]{0,8}$/)
    .default(''),
  length: z.number().int().min(6).max(20).default(10),
});
export const batchView = z.object({
  id: z.number().int(),
  templateId: z.number().int(),
  size: z.number().int(),
  source: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export const issueBody = z.object({ customerId: z.number().int().positive(), source: z.string().min(1).max(120) });
export const issuedCoupon = z.object({ code: z.string(), expiresAt: z.string().nullable() });

export const couponCheckBody = z.object({
  code: z.string().trim().min(1).max(64),
  /** The order's amount before the coupon, in minor units. */
  orderTotal: z.number().int().min(0),
  /** The channel code the order is placed in. */
  channel: z.string().max(64).optional(),
  customerId: z.number().int().positive().optional(),
});
export const couponRedeemBody = couponCheckBody.extend({
  /** The store's order id: redeeming twice for one order is one redemption. */
  orderId: z.string().trim().min(1).max(120),
});
export const couponRejections = [
  'not_found',
  'void',
  'not_started',
  'expired',
  'used_up',
  'min_spend',
  'channel',
  'customer_limit',
  'other_customer',
] as const;
export const couponCheck = z.object({
  valid: z.boolean(),
  code: z.string(),
  reason: z.enum(couponRejections).nullable(),
  discount: z.number().int(),
  freeShipping: z.boolean(),
  templateId: z.number().int().nullable(),
});
export const couponRedemption = z.object({
  id: z.number().int(),
  code: z.string(),
  orderId: z.string(),
  discount: z.number().int(),
  redeemedAt: z.string(),
  undoneAt: z.string().nullable(),
});

// Reports

export const loyaltyReport = z.object({
  members: z.number().int(),
  /** Points held (available + pending) and their value at the earn rate. */
  liability: z.object({ available: z.number().int(), pending: z.number().int() }),
  earnBurn: z.array(
    z.object({
      month: z.string(),
      earned: z.number().int(),
      spent: z.number().int(),
      expired: z.number().int(),
      clawedBack: z.number().int(),
    }),
  ),
  tiers: z.array(z.object({ tier: z.string().nullable(), members: z.number().int() })),
  /** Tier changes per month (up and down). */
  movement: z.array(z.object({ month: z.string(), up: z.number().int(), down: z.number().int() })),
  coupons: z.array(
    z.object({
      templateId: z.number().int(),
      name: z.string(),
      issued: z.number().int(),
      redeemed: z.number().int(),
      rate: z.number(),
      discount: z.number().int(),
      /** Net paid of the orders that used a code. */
      revenue: z.number().int(),
    }),
  ),
});
