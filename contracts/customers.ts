import { z } from 'zod';
import { pageQuery, shipmentStatus } from './common.ts';

export const gender = z.enum(['male', 'female', 'unknown']);
/** A calendar day that exists (2026-02-30 is refused, not rolled into March). */
const isoDate = z.iso.date();

export const customerSummary = z.object({
  id: z.number().int(),
  name: z.string().nullable(),
  gender,
  province: z.string().nullable(),
  city: z.string().nullable(),
  email: z.string().nullable().describe('Masked unless revealed'),
  phone: z.string().nullable().describe('Masked unless revealed'),
  firstChannel: z.string().nullable(),
  firstChannelName: z.string().nullable(),
  createdAt: z.string(),
  /** Stored metrics (null until first computed). */
  ordersCount: z.number().int().nullable(),
  netSpent: z.number().int().nullable(),
  lastOrderAt: z.string().nullable(),
  lifecycleStage: z.string().nullable(),
  rfmGroup: z.string().nullable(),
});
export type CustomerSummary = z.infer<typeof customerSummary>;

export const customerSort = z.enum(['created_at', 'name', 'id', 'orders_count', 'net_spent', 'last_order_at']);

export const customerFilter = z.strictObject({
  q: z.string().trim().max(200).optional().describe('Name (Chinese too), or exact e-mail, phone or external id'),
  channel: z.string().max(50).optional(),
  province: z.string().max(50).optional(),
  tag: z.string().max(50).optional(),
  segment: z.coerce.number().int().positive().optional().describe('Only current members of this segment'),
});

export const customerListQuery = z.strictObject({
  ...pageQuery,
  ...customerFilter.shape,
  sort: customerSort.default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export const customerList = z.object({ items: z.array(customerSummary), total: z.number().int() });

export const identityBody = z.object({
  kind: z.enum(['email', 'phone', 'external', 'anonymous']),
  channel: z.string(),
  value: z.string().nullable().describe('Masked unless revealed; external ids are not personal data'),
  source: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});

export const orderItemBody = z.object({
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number().int(),
  amount: z.number().int(),
});
export const orderBody = z.object({
  id: z.number().int(),
  channel: z.string(),
  channelName: z.string(),
  externalId: z.string(),
  status: z.string(),
  currency: z.string(),
  totalAmount: z.number().int(),
  refundedAmount: z.number().int(),
  placedAt: z.string(),
  shippingAddressId: z.number().int().nullable().describe('One of the customer’s addresses'),
  items: z.array(orderItemBody),
  shipments: z.array(z.object({ carrier: z.string().nullable(), trackingNumber: z.string(), status: shipmentStatus })),
});
export type OrderBody = z.infer<typeof orderBody>;

export const eventBody = z.object({
  id: z.number().int(),
  type: z.string(),
  name: z.string(),
  properties: z.unknown(),
  occurredAt: z.string(),
});
/**
 * A customer's event timeline, newest first, page by page. Not part of the 360's first response: the admin reads its
 * first page beside the view, as its card is drawn (the person's events lie scattered across the largest table).
 */
export const eventPage = z.object({ items: z.array(eventBody), nextBefore: z.string().nullable() });
const cursorPageQuery = (limit: number) =>
  z.strictObject({
    limit: z.coerce.number().int().min(1).max(200).default(limit),
    before: z.string().max(100).optional().describe('Cursor from nextBefore'),
  });
export const eventPageQuery = cursorPageQuery(50);

/**
 * A customer's orders with their items and parcels, newest first, page by page. Not part of the 360's first response
 * either: the admin reads the first page beside the view, as its card is drawn.
 */
export const orderPage = z.object({ items: z.array(orderBody), nextBefore: z.string().nullable() });
export type OrderPage = z.infer<typeof orderPage>;
export const orderPageQuery = cursorPageQuery(10);

const labels = z.object({ 'zh-CN': z.string(), en: z.string() });
/** A module's panel of the 360: its title and labelled columns, the same for every person (read once). */
export const customerPanelDefinition = z.object({
  key: z.string(),
  title: labels,
  columns: z.array(
    z.object({
      key: z.string(),
      label: labels,
      values: z.record(z.string(), labels).optional(),
      /** `datetime`: an ISO instant, shown in the reader's time zone and language; `money`: minor units of the store currency. */
      type: z.enum(['text', 'datetime', 'money']).optional(),
    }),
  ),
});
export const customerPanelDefinitions = z.object({ items: z.array(customerPanelDefinition) });
export type CustomerPanelDefinition = z.infer<typeof customerPanelDefinition>;

/** A module's panel on one person's 360: rows of plain values under the definition's columns, and its actions. */
export const customerPanel = z.object({
  key: z.string(),
  rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  /** What the reader may do from the panel: a form whose fields are POSTed as JSON to `path` (under /api/v1). */
  actions: z
    .array(
      z.object({
        key: z.string(),
        label: labels,
        permission: z.string(),
        path: z.string(),
        fields: z.array(z.object({ key: z.string(), label: labels, type: z.enum(['integer', 'text']), required: z.boolean() })),
        /** Values sent with the fields (the person the action is about). */
        body: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      }),
    )
    .optional(),
});
export type CustomerPanelBody = z.infer<typeof customerPanel>;
export const customerPanelsQuery = z.strictObject({
  keys: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .describe('Only these panels: their keys, comma-separated, as /customers/panels lists them (all when absent)'),
});
export const customerPanels = z.object({
  items: z
    .array(customerPanel)
    .describe("Other modules' views of the person (loyalty, messages, tickets …); titles and columns from /customers/panels"),
});

export const customerDetail = z.object({
  customer: customerSummary.extend({
    birthday: z.string().nullable(),
    district: z.string().nullable(),
    locale: z.string().nullable(),
    timeZone: z.string().nullable(),
    address: z.string().nullable(),
    updatedAt: z.string(),
  }),
  revealed: z.boolean(),
  attributes: z.record(z.string(), z.unknown()).describe('Custom attribute values by key (see /attributes)'),
  tags: z.array(z.string()),
  notes: z.array(z.object({ id: z.number().int(), body: z.string(), author: z.string(), createdAt: z.string() })),
  identities: z.array(identityBody),
  addresses: z.array(
    z.object({
      id: z.number().int(),
      province: z.string().nullable(),
      city: z.string().nullable(),
      district: z.string().nullable(),
      line: z.string().nullable().describe('Masked unless revealed'),
      source: z.string(),
      firstSeenAt: z.string(),
      lastSeenAt: z.string(),
    }),
  ),
  stats: z.object({
    orders: z.number().int(),
    netSpent: z.number().int(),
    firstOrderAt: z.string().nullable(),
    lastOrderAt: z.string().nullable(),
  }),
});
export type CustomerDetail = z.infer<typeof customerDetail>;

export const customerDetailQuery = z.strictObject({
  reveal: z.enum(['true', 'false']).default('false').describe('Show personal data unmasked (needs pii.read; audited)'),
});

export const upsertCustomerBody = z.strictObject({
  externalIds: z
    .array(z.strictObject({ channel: z.string().min(1).max(50), id: z.union([z.string().min(1).max(200), z.number()]) }))
    .max(20)
    .optional(),
  email: z.string().max(320).optional(),
  phone: z.string().max(50).optional(),
  name: z.string().max(100).optional(),
  gender: gender.optional(),
  birthday: isoDate.optional(),
  province: z.string().max(50).optional(),
  city: z.string().max(50).optional(),
  district: z.string().max(50).optional(),
  address: z.string().max(500).optional(),
  locale: z.string().max(20).optional(),
});
export type UpsertCustomerBody = z.infer<typeof upsertCustomerBody>;

export const upsertResult = z.object({
  customerId: z.number().int(),
  created: z.boolean(),
  rejected: z.array(z.object({ field: z.string(), reason: z.string() })),
});
export const bulkUpsertBody = z.strictObject({ items: z.array(upsertCustomerBody).min(1).max(1000) });
export const bulkUpsertResult = z.object({
  results: z.array(
    z.union([
      upsertResult.extend({ index: z.number().int(), ok: z.literal(true) }),
      z.object({ index: z.number().int(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});

export const mergeFields = [
  'name',
  'gender',
  'birthday',
  'province',
  'city',
  'district',
  'locale',
  'time_zone',
  'contact',
  'address',
] as const;
export const mergeBody = z.strictObject({
  mergedId: z.number().int().positive().describe('The duplicate to fold into this customer'),
  fields: z
    .partialRecord(z.enum(mergeFields), z.enum(['survivor', 'merged']))
    .default({})
    .describe('Which person each field is kept from (default: this customer)'),
});
export const mergeResult = z.object({
  mergeId: z.number().int(),
  survivorId: z.number().int(),
  mergedId: z.number().int(),
  moved: z.record(z.string(), z.number().int()).optional(),
});
export const mergeHistory = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      survivorId: z.number().int(),
      mergedId: z.number().int(),
      fields: z.record(z.string(), z.string()),
      actor: z.string(),
      createdAt: z.string(),
      undoneAt: z.string().nullable(),
    }),
  ),
});
export const duplicateList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      name: z.string().nullable(),
      city: z.string().nullable(),
      score: z.number(),
      reasons: z.array(z.string()),
    }),
  ),
});

export const tagBody = z.strictObject({ tag: z.string().trim().min(1).max(50) });
export const tagList = z.object({ tags: z.array(z.string()) });
export const noteBody = z.strictObject({ body: z.string().trim().min(1).max(5000) });
export const noteList = z.object({ notes: customerDetail.shape.notes });
export const bulkTagBody = z.strictObject({
  filter: customerFilter,
  tag: z.string().trim().min(1).max(50),
  action: z.enum(['add', 'remove']),
});
export const exportBody = z.strictObject({
  filter: customerFilter,
  reveal: z.boolean().default(false).describe('Unmasked personal data (needs pii.read; audited)'),
  language: z.enum(['zh-CN', 'en']).default('zh-CN').describe('Language of the header row and values'),
});
export const operationBody = z.object({
  id: z.number().int(),
  kind: z.enum(['tag', 'untag', 'export']),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  total: z.number().int().nullable(),
  done: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

export const qualityReport = z.object({
  rows: z.array(
    z.object({
      channel: z.string().nullable().describe('null: all customers'),
      total: z.number().int(),
      complete: z.record(z.string(), z.number()),
      valid: z.record(z.string(), z.number()),
    }),
  ),
});

export const attributeDefinition = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and _, starting with a letter'),
  label: z.string().trim().min(1).max(100),
  type: z.enum(['text', 'number', 'date', 'boolean', 'enum']),
  options: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
});
export const attributeBody = attributeDefinition
  .strict()
  .refine((a) => a.type !== 'enum' || a.options.length > 0, { message: 'An enum attribute needs its options', path: ['options'] });
export const attributeList = z.object({ items: z.array(attributeDefinition) });
export const attributeKeyParams = z.strictObject({ key: z.string().max(40) });
export const attributeValues = z.record(z.string().max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]));
export const attributeValuesResult = z.object({ attributes: z.record(z.string(), z.unknown()) });

export const quarantineQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(['open', 'resolved']).default('open'),
  field: z.enum(['email', 'phone']).optional(),
  customerId: z.coerce.number().int().positive().optional(),
  reveal: z.enum(['true', 'false']).optional().describe('Show values in clear (needs pii.read; audited)'),
});
export const quarantinedValue = z.object({
  id: z.number().int(),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  field: z.string(),
  value: z.string().describe('Masked unless revealed'),
  reason: z.string().describe('Stable code: invalid_phone, invalid_email'),
  source: z.string(),
  occurrences: z.number().int(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  resolvedAt: z.string().nullable(),
  resolution: z.enum(['fixed', 'dismissed']).nullable(),
  resolvedBy: z.string().nullable(),
});
export const quarantineList = z.object({
  items: z.array(quarantinedValue),
  total: z.number().int(),
  open: z.array(z.object({ field: z.string(), reason: z.string(), count: z.number().int() })).describe('Open values by field and reason'),
});
export const quarantineResolveBody = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('fix'),
    value: z.string().trim().min(1).max(320).describe('The corrected phone or e-mail, added to the customer'),
  }),
  z.strictObject({ action: z.literal('dismiss') }),
]);

/** A saved view of the customers list: its filter and sort order. */
/** Columns of the customers list a view may show (the chooser); absent: the default set. */
export const CUSTOMER_COLUMNS = [
  'name',
  'phone',
  'email',
  'region',
  'firstChannel',
  'ordersCount',
  'netSpent',
  'lastOrderAt',
  'lifecycleStage',
  'rfmGroup',
  'createdAt',
] as const;
export const customerViewParams = customerFilter.extend({
  sort: customerSort.default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  columns: z.array(z.enum(CUSTOMER_COLUMNS)).max(CUSTOMER_COLUMNS.length).optional(),
});
export const savedViewBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  params: customerViewParams,
  shared: z.boolean().default(false).describe('Visible to every user (only its owner can delete it)'),
});
export const savedView = z.object({
  id: z.number().int(),
  name: z.string(),
  params: customerViewParams,
  shared: z.boolean(),
  owner: z.string(),
  mine: z.boolean(),
  createdAt: z.string(),
});
export const savedViewList = z.object({ items: z.array(savedView) });

/** Which identifiers link a record to an existing person automatically (external ids and anonymous ids always do). */
export const identityRules = z.strictObject({
  linkByPhone: z.boolean().describe('The same normalised phone → the same person'),
  linkByEmail: z.boolean().describe('The same normalised e-mail → the same person'),
});

export const duplicatePairQuery = z.strictObject({ ...pageQuery, status: z.enum(['open', 'dismissed', 'merged']).default('open') });
const pairSide = z.object({
  id: z.number().int(),
  name: z.string().nullable(),
  city: z.string().nullable(),
  birthday: z.string().nullable(),
});
export const duplicatePairList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      score: z.number(),
      reasons: z.array(z.string()).describe('name, city, birthday, address, phone, email'),
      status: z.enum(['open', 'dismissed', 'merged']),
      foundAt: z.string(),
      resolvedBy: z.string().nullable(),
      a: pairSide,
      b: pairSide,
    }),
  ),
  total: z.number().int(),
  /** The latest scan: running while finishedAt is before startedAt (or null). */
  lastScan: z.object({ startedAt: z.string(), finishedAt: z.string().nullable(), found: z.number().int().nullable() }).nullable(),
});
