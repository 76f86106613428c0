import { z } from 'zod';

export const importKind = z.enum(['customers', 'orders', 'products', 'events']);

/** Fields a CSV column can be mapped to, per import kind. */
export const TARGETS: Record<z.infer<typeof importKind>, readonly string[]> = {
  customers: ['external_id', 'email', 'phone', 'name', 'gender', 'birthday', 'province', 'city', 'district', 'address'],
  /** order_type: a column saying which rows are returns (return, refund, 退货, 退款, 售后…). */
  orders: [
    'order_id',
    'customer_external_id',
    'email',
    'phone',
    'name',
    'province',
    'city',
    'district',
    'address',
    'status',
    'order_type',
    'placed_at',
    'paid_at',
    'currency',
    'total',
    'discount',
    'shipping',
    'coupon',
    'sku',
    'product_name',
    'category',
    'quantity',
    'unit_price',
  ],
  products: ['sku', 'name', 'category', 'price', 'currency', 'stock'],
  /** Columns not mapped to a field become event properties (personal keys such as phone are dropped). */
  events: ['event', 'occurred_at', 'customer_external_id', 'email', 'phone', 'anonymous_id', 'message_id', 'properties'],
};
/** Text encodings a CSV file may be read in (detected from its first bytes unless chosen). */
export const importEncoding = z.enum(['utf-8', 'gb18030', 'utf-16le', 'utf-16be', 'big5', 'windows-1252']);
export const uploadQuery = z.strictObject({ kind: importKind, fileName: z.string().trim().min(1).max(200) });
export const uploadPreviewQuery = z.strictObject({ kind: importKind, encoding: importEncoding.optional() });
export const uploadResult = z.object({
  uploadId: z.number().int(),
  /** The encoding the header and preview were read in (detected, or the one asked for). */
  encoding: importEncoding,
  header: z.array(z.string()),
  preview: z.array(z.array(z.string())),
  suggested: z.record(z.string(), z.string()),
  targets: z.array(z.string()),
});
/** Custom attribute keys an import may create (as Settings → Attributes). */
export const attributeKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/);
export const startImportBody = z.strictObject({
  uploadId: z.number().int().positive(),
  kind: importKind,
  mapping: z.record(z.string(), z.string()),
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,49}$/)
    .optional(),
  dateFormat: z.string().max(50).optional(),
  encoding: importEncoding.optional(),
  /** Orders: an order id starting with this prefix and a digit is a return. */
  returnsPrefix: z.string().trim().min(1).max(10).optional(),
  /** Change non-empty fields of existing customers (default: only fill empty ones). */
  updateExisting: z.boolean().optional(),
  /** Unmapped columns kept as custom attributes: column → attribute key. */
  attributes: z.record(z.string(), attributeKey).optional(),
});
export const rejectedRowsQuery = z.strictObject({ reveal: z.enum(['true', 'false']).optional(), lang: z.enum(['zh-CN', 'en']).optional() });
export const startImportResult = z.object({ uploadId: z.number().int(), jobId: z.string().nullable() });
export const importSummary = z.object({
  id: z.number().int(),
  kind: importKind,
  fileName: z.string(),
  status: z.string(),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  unlinkedReturns: z.number().int(),
  uploadId: z.number().int().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export const importList = z.object({ items: z.array(importSummary) });
export const undoResult = z.object({
  orders: z.number().int(),
  refunds: z.number().int(),
  events: z.number().int(),
  customers: z.number().int(),
  products: z.number().int(),
  keptCustomers: z.number().int(),
});
