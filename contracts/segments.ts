import { z } from 'zod';
import { gender } from './customers.ts';
import { consentChannel, consentPurpose } from './privacy.ts';

/**
 * The segment rule tree. Groups combine conditions with AND / OR (and may be negated); conditions name
 * fields only from the whitelists below, and every value is bound as a parameter when compiled to SQL.
 */

/** Canonical order lifecycle statuses (the orders table's check constraint). */
export const ORDER_STATUSES = [
  'pending_payment',
  'paid',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
  'refunded',
  'partially_refunded',
] as const;
export const GENDERS = gender.options;
export const CONSENT_CHANNELS = consentChannel.options;
export const CONSENT_PURPOSES = consentPurpose.options;

/** A calendar day that exists (2026-02-30 is refused, not rolled into March). */
const isoDate = z.iso.date();
const days = z.number().int().min(0).max(36_500);

/** Operators by value type. `within_last_days` / `more_than_days_ago` take a number of days. */
export const OPERATORS = {
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'],
  text: ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'is_set', 'is_not_set'],
  date: ['before', 'after', 'between', 'within_last_days', 'more_than_days_ago', 'is_set', 'is_not_set'],
  enum: ['eq', 'neq', 'in', 'not_in', 'is_set', 'is_not_set'],
  boolean: ['is_true', 'is_false', 'is_set', 'is_not_set'],
} as const;
export type ValueType = keyof typeof OPERATORS;
export const operator = z.enum([...new Set(Object.values(OPERATORS).flat())] as [string, ...string[]]);
export type Operator = (typeof OPERATORS)[ValueType][number];

const scalar = z.union([z.string().max(200), z.number(), z.boolean()]);
const value = z.union([scalar, z.array(scalar).max(1000)]).optional();

/** Profile fields (customers table) and their types. */
export const PROFILE_FIELDS = {
  name: 'text',
  gender: 'enum',
  birthday: 'date',
  province: 'text',
  city: 'text',
  district: 'text',
  locale: 'text',
  first_channel: 'enum',
  created_at: 'date',
} as const satisfies Record<string, ValueType>;

/** Stored metrics and predictions (customer_metrics) and their types. */
export const METRIC_FIELDS = {
  orders_count: 'number',
  net_spent: 'number',
  avg_order_value: 'number',
  avg_days_between: 'number',
  distinct_products: 'number',
  distinct_categories: 'number',
  first_order_at: 'date',
  last_order_at: 'date',
  last_seen_at: 'date',
  recency_days: 'number',
  lifecycle_stage: 'enum',
  rfm_r: 'number',
  rfm_f: 'number',
  rfm_m: 'number',
  rfm_group: 'enum',
  clv: 'number',
  churn_probability: 'number',
  p_alive: 'number',
  expected_purchases: 'number',
  next_order_at: 'date',
} as const satisfies Record<string, ValueType>;

export const window = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('last_days'), days: days.min(1) }),
  z.strictObject({ kind: z.literal('between_days_ago'), from: days, to: days }).describe('from ≥ to, e.g. between 60 and 30 days ago'),
  z.strictObject({ kind: z.literal('dates'), from: isoDate, to: isoDate }).describe('inclusive, store time zone'),
]);
export type Window = z.infer<typeof window>;

const comparison = z.strictObject({
  operator: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between']),
  value: z.union([z.number(), z.array(z.number()).length(2)]),
});

const profileCondition = z.strictObject({ type: z.literal('profile'), field: z.string().max(50), operator, value });
const attributeCondition = z.strictObject({ type: z.literal('attribute'), key: z.string().max(40), operator, value });
const metricCondition = z.strictObject({ type: z.literal('metric'), field: z.string().max(50), operator, value });
const identityCondition = z.strictObject({
  type: z.literal('identity'),
  kind: z.enum(['email', 'phone', 'external', 'anonymous']),
  channel: z.string().max(50).optional(),
  present: z.boolean(),
});
const consentCondition = z.strictObject({
  type: z.literal('consent'),
  channel: consentChannel,
  purpose: consentPurpose.default('marketing'),
  status: z.enum(['granted', 'withdrawn', 'denied', 'none']),
});
const tagCondition = z.strictObject({
  type: z.literal('tag'),
  operator: z.enum(['has_any', 'has_all', 'has_none']),
  tags: z.array(z.string().min(1).max(50)).min(1).max(100),
});
const orderCondition = z.strictObject({
  type: z.literal('orders'),
  aggregate: z.enum(['count', 'sum', 'avg']),
  ...comparison.shape,
  window: window.optional(),
  filters: z
    .strictObject({
      skus: z.array(z.string().max(100)).max(500).optional(),
      categories: z.array(z.string().max(100)).max(100).optional(),
      channels: z.array(z.string().max(50)).max(50).optional(),
      statuses: z.array(z.enum(ORDER_STATUSES)).max(8).optional(),
      coupon: z.string().max(100).optional().describe('"*" for any coupon'),
      minAmount: z.number().int().min(0).optional(),
      maxAmount: z.number().int().min(0).optional(),
    })
    .default({}),
});
const eventCondition = z.strictObject({
  type: z.literal('events'),
  name: z.string().min(1).max(200),
  ...comparison.shape,
  window: window.optional(),
  properties: z
    .array(
      z.strictObject({
        key: z.string().min(1).max(100),
        operator: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains']),
        value: scalar,
      }),
    )
    .max(10)
    .default([]),
});
const anniversaryCondition = z.strictObject({
  type: z.literal('anniversary'),
  of: z.enum(['birthday', 'first_order', 'membership']),
  within: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('next_days'), days: days.max(366) }),
    z.strictObject({ kind: z.literal('this_month') }),
  ]),
});
const segmentCondition = z.strictObject({ type: z.literal('segment'), segmentId: z.number().int().positive(), member: z.boolean() });
/** A per-customer value another module offers (loyalty points, open tickets …), named `<module>.<name>` in the catalog. */
const fieldCondition = z.strictObject({ type: z.literal('field'), field: z.string().min(1).max(80), operator, value });

export const condition = z.discriminatedUnion('type', [
  profileCondition,
  attributeCondition,
  metricCondition,
  identityCondition,
  consentCondition,
  tagCondition,
  orderCondition,
  eventCondition,
  anniversaryCondition,
  segmentCondition,
  fieldCondition,
]);
/** As written by clients: defaults (filters, properties, purpose) may be absent; the compiler fills them. */
export type Condition = z.input<typeof condition>;

export type RuleGroup = { type: 'group'; op: 'and' | 'or'; not?: boolean; children: RuleNode[] };
export type RuleNode = RuleGroup | Condition;

export const ruleGroup: z.ZodType<RuleGroup> = z.lazy(() =>
  z.strictObject({ type: z.literal('group'), op: z.enum(['and', 'or']), not: z.boolean().optional(), children: z.array(ruleNode).max(50) }),
);
export const ruleNode: z.ZodType<RuleNode> = z.lazy(() => z.union([ruleGroup, condition]));

export const segmentStatus = z.enum(['pending', 'computing', 'ready', 'failed']);
export const segmentBody = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  kind: z.enum(['dynamic', 'static']),
  rules: ruleGroup.nullable(),
  status: segmentStatus,
  error: z.string().nullable(),
  size: z.number().int(),
  computedAt: z.string().nullable(),
  createdBy: z.string(),
  updatedAt: z.string(),
});
export type SegmentBody = z.infer<typeof segmentBody>;
export const segmentList = z.object({ items: z.array(segmentBody) });

export const createSegmentBody = z.union([
  z.strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(500).optional(),
    kind: z.literal('dynamic'),
    rules: ruleGroup,
  }),
  z.strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(500).optional(),
    kind: z.literal('static'),
    customerIds: z.array(z.number().int().positive()).max(100_000).optional(),
    externalIds: z
      .array(z.strictObject({ channel: z.string().max(50), id: z.string().max(200) }))
      .max(100_000)
      .optional(),
  }),
]);
export const updateSegmentBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  description: z.string().max(500).nullable().optional(),
  rules: ruleGroup.optional(),
});
export const snapshotBody = z.strictObject({ name: z.string().trim().min(1).max(100) });

export const previewBody = z.strictObject({ rules: ruleGroup });
export const previewResult = z.object({
  count: z.number().int(),
  sample: z.array(
    z.object({
      id: z.number().int(),
      name: z.string().nullable(),
      province: z.string().nullable(),
      lifecycleStage: z.string().nullable(),
      netSpent: z.number(),
    }),
  ),
  sql: z.string().optional().describe('The compiled statement (values bound), for power users'),
  tookMs: z.number(),
});

export const estimateResult = z.object({
  count: z.number().int().describe('Estimated customers matching (exact when `exact`)'),
  low: z.number().int().describe('Lower end of the 95% interval'),
  high: z.number().int().describe('Upper end of the 95% interval'),
  sampled: z.number().int().describe('Customers the rules were decided for'),
  population: z.number().int().describe('Customers the sample stands for'),
  exact: z.boolean().describe('The shop is small enough that every customer was decided'),
  tookMs: z.number(),
});

export const segmentHistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const membershipHistory = z.object({
  items: z.array(
    z.object({
      segmentId: z.number().int(),
      segmentName: z.string(),
      customerId: z.number().int(),
      customerName: z.string().nullable(),
      enteredAt: z.string(),
      exitedAt: z.string().nullable(),
    }),
  ),
  total: z.number().int(),
});
export const segmentSizes = z.object({ items: z.array(z.object({ at: z.string(), size: z.number().int() })) });

/** Everything the builder's pickers offer: fields and their types, channels, categories, tags, event names, attributes, segments. */
export const segmentCatalog = z.object({
  profileFields: z.array(z.object({ field: z.string(), type: z.string() })),
  metricFields: z.array(z.object({ field: z.string(), type: z.string() })),
  /** Values other modules offer, with their labels in every language. */
  moduleFields: z.array(
    z.object({
      field: z.string(),
      type: z.string(),
      options: z.array(z.string()),
      label: z.object({ 'zh-CN': z.string(), en: z.string() }),
    }),
  ),
  attributes: z.array(z.object({ key: z.string(), label: z.string(), type: z.string(), options: z.array(z.string()) })),
  channels: z.array(z.object({ code: z.string(), name: z.string() })),
  categories: z.array(z.string()),
  products: z.array(z.object({ id: z.number().int(), sku: z.string(), name: z.string(), category: z.string() })),
  tags: z.array(z.string()),
  eventNames: z.array(z.string()),
  segments: z.array(z.object({ id: z.number().int(), name: z.string() })),
  operators: z.record(z.string(), z.array(z.string())),
});
