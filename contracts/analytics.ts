import { z } from 'zod';

/** The eleven named RFM groups (mapping from R and F scores in server/modules/analytics/rfm.service.ts). */
export const RFM_GROUPS = [
  'champions',
  'loyal',
  'potential_loyalists',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose_them',
  'hibernating',
  'lost',
] as const;
export type RfmGroup = (typeof RFM_GROUPS)[number];

/** Age bands of the demographics report, and churn-risk bands of the value report. */
export const AGE_BANDS = ['under_18', '18_24', '25_34', '35_44', '45_54', '55_plus', 'unknown'] as const;
export const RISK_BANDS = ['low', 'medium', 'high', 'very_high'] as const;

/** Lifecycle stages by days since the last paid order (thresholds derived from the shop's purchase intervals). */
export const LIFECYCLE_STAGES = ['prospect', 'new', 'active', 'at_risk', 'lapsed', 'churned'] as const;

export const rfmQuery = z.strictObject({
  asOf: z.iso.date().optional().describe('Last day of the window (default: today, store time zone)'),
  window: z.coerce.number().int().min(1).max(3650).default(365).describe('Window length in days'),
  channel: z.string().max(50).optional().describe('Only orders of this channel'),
  segment: z.coerce.number().int().positive().optional().describe('Only this segment’s members'),
});
export const rfmSummary = z.object({
  asOf: z.string(),
  windowDays: z.number().int(),
  customers: z.number().int(),
  groups: z.array(z.object({ group: z.string(), customers: z.number().int(), revenue: z.number() })),
  grid: z.array(z.object({ r: z.number().int(), f: z.number().int(), customers: z.number().int(), revenue: z.number() })),
});

export const lifecycleThresholds = z.object({
  activeDays: z.number().int(),
  atRiskDays: z.number().int(),
  lapsedDays: z.number().int(),
  source: z.enum(['derived', 'configured', 'default']),
});
export const lifecycleBody = z.union([
  z
    .strictObject({
      activeDays: z.number().int().min(1).max(3650),
      atRiskDays: z.number().int().min(2).max(3650),
      lapsedDays: z.number().int().min(3).max(7300),
    })
    .refine((t) => t.activeDays < t.atRiskDays && t.atRiskDays < t.lapsedDays, 'Thresholds must increase: active < at risk < lapsed'),
  z.strictObject({ derive: z.literal(true) }).describe('Go back to thresholds derived from the shop’s purchase intervals'),
]);

const bgnbd = z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number(), logLikelihood: z.number() });
const gammaGamma = z.object({ p: z.number(), q: z.number(), gamma: z.number(), logLikelihood: z.number() });
export const clvModel = z.object({
  status: z.enum(['ready', 'insufficient_data']),
  reason: z.string().optional().describe('too_few_buyers | too_few_repeat_buyers | too_short_history'),
  customers: z.number().int(),
  repeatCustomers: z.number().int(),
  until: z.string().optional(),
  period: z.enum(['day', 'week']).optional(),
  bgnbd: bgnbd.optional(),
  gammaGamma: gammaGamma.optional(),
  validation: z
    .object({
      calibrationUntil: z.string(),
      holdoutPeriods: z.number().int(),
      buckets: z.array(z.object({ x: z.string(), customers: z.number().int(), predicted: z.number(), actual: z.number() })),
    })
    .nullable()
    .optional(),
  fittedAt: z.string(),
});
export const analyticsModels = z.object({
  lifecycle: lifecycleThresholds,
  clv: clvModel.nullable(),
  rfm: z.object({ asOf: z.string(), windowDays: z.number().int() }).nullable(),
  stages: z.array(z.object({ stage: z.string(), customers: z.number().int() })),
  pendingChanges: z.number().int().describe('Customers changed but not yet refreshed'),
});

export const rfmHistory = z.object({
  items: z.array(z.object({ asOf: z.string(), group: z.string(), customers: z.number().int(), revenue: z.number() })),
});

export const customerInsights = z.object({
  computedAt: z.string().nullable(),
  ordersCount: z.number().int(),
  netSpent: z.number(),
  firstOrderAt: z.string().nullable(),
  lastOrderAt: z.string().nullable(),
  averageOrderValue: z.number().nullable(),
  averageDaysBetween: z.number().nullable(),
  distinctProducts: z.number().int(),
  distinctCategories: z.number().int(),
  channels: z.array(z.string()),
  lastSeenAt: z.string().nullable(),
  lifecycleStage: z.string().nullable(),
  recencyDays: z.number().int().nullable(),
  rfm: z.object({ r: z.number().int(), f: z.number().int(), m: z.number().int(), group: z.string() }).nullable(),
  prediction: z
    .object({
      pAlive: z.number(),
      churnProbability: z.number(),
      expectedPurchases: z.number().describe('Over the next 12 months'),
      expectedAverageValue: z.number(),
      clv: z.number().describe('12-month predicted value, minor units'),
      nextOrderAt: z.string().nullable(),
    })
    .nullable(),
  predictionStatus: z.enum(['ready', 'insufficient_data', 'not_computed']),
});

const day = z.iso.date();
export const reportFilter = z.strictObject({
  from: day.optional().describe('Orders placed on or after (store time zone)'),
  to: day.optional().describe('Orders placed on or before'),
  channel: z.string().max(50).optional(),
  segment: z.coerce.number().int().positive().optional(),
});
export type ReportFilter = z.infer<typeof reportFilter>;
const int = z.number().int();
/** Reports are stored answers (recomputed in the background when a minute old): when this one was computed. */
const answered = { asOf: z.string().describe('When the figures were computed (ISO 8601)') };
export const overviewReport = z.object({
  ...answered,
  customers: int,
  buyers: int,
  active: int,
  repeatRate: z.number(),
  orders: int,
  revenue: z.number(),
  averageOrderValue: z.number(),
  averageClv: z.number().nullable(),
  stages: z.array(z.object({ stage: z.string(), customers: int })),
  monthly: z.array(z.object({ month: z.string(), revenue: z.number(), orders: int, buyers: int, newBuyers: int })),
});
export const cohortReport = z.object({
  ...answered,
  cohorts: z.array(z.object({ cohort: z.string(), size: int, retention: z.array(z.number().nullable()) })),
});
export const channelReport = z.object({
  ...answered,
  channels: z.array(z.object({ code: z.string(), name: z.string(), buyers: int, revenue: z.number(), repeatRate: z.number() })),
  overlap: z.array(z.object({ channels: int.describe('1, 2, or 3 meaning three or more'), buyers: int })),
  pairs: z.array(z.object({ a: z.string(), b: z.string(), buyers: int })),
});
export const geographyReport = z.object({
  ...answered,
  provinces: z.array(z.object({ province: z.string().nullable(), customers: int, buyers: int, revenue: z.number() })),
});
export const demographicsReport = z.object({
  ...answered,
  cells: z.array(z.object({ gender: z.string(), band: z.string(), customers: int, revenue: z.number() })),
});
export const valueReport = z.object({
  ...answered,
  clvBands: z.array(z.object({ fromYuan: z.number(), toYuan: z.number().nullable(), customers: int })),
  riskBands: z.array(z.object({ band: z.string(), customers: int, netSpent: z.number(), clv: z.number() })),
  atRisk: z.array(
    z.object({
      id: int,
      name: z.string().nullable(),
      netSpent: z.number(),
      churnProbability: z.number(),
      lastOrderAt: z.string().nullable(),
      orders: int,
    }),
  ),
});

export const associationQuery = z.strictObject({
  window: z.coerce.number().int().min(1).max(3650).default(365).describe('Days of orders to learn from'),
  minSupport: z.coerce.number().min(0).max(1).default(0),
  minConfidence: z.coerce.number().min(0).max(1).default(0),
  product: z.coerce.number().int().positive().optional().describe('Only rules from this product (frequently bought together)'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const productRef = z.object({ id: int, name: z.string() });
export const associationRules = z.object({
  baskets: int,
  rules: z.array(
    z.object({ from: productRef, to: productRef, baskets: int, support: z.number(), confidence: z.number(), lift: z.number() }),
  ),
});
export const recommendations = z.object({
  items: z.array(
    z.object({ id: int, sku: z.string(), name: z.string(), category: z.string(), score: z.number(), because: z.array(z.string()) }),
  ),
});

export const CLUSTER_FEATURES = ['recency', 'frequency', 'monetary', 'clv'] as const;
export type ClusterFeature = (typeof CLUSTER_FEATURES)[number];
export const clusterBody = z.strictObject({
  features: z.array(z.enum(CLUSTER_FEATURES)).min(1).max(4).default(['recency', 'frequency', 'monetary']),
  k: z.number().int().min(2).max(12).optional().describe('Fixed k; otherwise the silhouette picks one in 2…8'),
  channel: z.string().max(50).optional().describe('Only customers who bought in this channel'),
  segment: z.number().int().positive().optional().describe('Only this segment’s members'),
});
export const clusterResult = z.object({
  customers: int,
  features: z.array(z.enum(CLUSTER_FEATURES)),
  k: int,
  candidates: z.array(z.object({ k: int, inertia: z.number(), silhouette: z.number() })),
  clusters: z.array(z.object({ cluster: int, size: int, share: z.number(), means: z.record(z.string(), z.number()) })),
});
export const clusterSegmentBody = clusterBody.extend({
  k: z.number().int().min(2).max(12),
  cluster: z.number().int().min(0),
  name: z.string().trim().min(1).max(100),
});

/** The cross-channel scorecard: each sales channel side by side over a period — sales, loyalty of buyers, after-sales, satisfaction, cost. */
export const scorecardQuery = z.strictObject({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export const scorecard = z.object({
  currency: z.string(),
  channels: z.array(
    z.object({
      channel: z.string(),
      name: z.string(),
      customers: z.number().int().describe('People who placed a paid order on the channel in the period'),
      newCustomers: z.number().int().describe('Of them, those whose first order ever was in the period'),
      repeatCustomers: z.number().int().describe('Of them, those who had ordered before the period (on any channel)'),
      orders: z.number().int(),
      revenue: z.number().int().describe('Net paid: totals less refunds, minor units'),
      revenueShare: z.number(),
      averageOrderValue: z.number().int(),
      repeatRate: z.number().describe('Buyers with two or more orders on the channel in the period, over its buyers'),
      returnRate: z.number().describe('Units returned (not rejected or withdrawn) over units sold, by orders of the period'),
      csat: z.number().nullable().describe('Average 1–5 rating its buyers gave service in the period'),
      nps: z.number().nullable().describe('NPS of its buyers’ survey answers in the period'),
      contactsPerOrder: z.number().describe('Tickets its buyers opened in the period, per order'),
      messages: z.number().int().describe('Messages sent to its buyers in the period'),
      messagingCost: z.number().describe('SMS parts sent to its buyers × the price per part (campaign attribution settings)'),
    }),
  ),
  /** Buyers of the period who bought on two channels, per pair (from analytics' channel overlap). */
  overlap: z.array(z.object({ a: z.string(), b: z.string(), customers: z.number().int() })),
});
export type Scorecard = z.infer<typeof scorecard>;
