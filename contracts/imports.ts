import { z } from 'zod';

export const importKind = z.enum(['customers', 'orders', 'products', 'events']);

/** Fields a CSV column can be mapped to, per import kind. */
export const TARGETS: Record<z.infer<typeof importKind>, readonly string[]> = {
  customers: ['external_id', 'email', 'phone', 'name', 'gender', 'birthday', 'province', 'city', 'district', 'address'],
  /** order_type: a column saying which rows are returns (return, refund, 退货, 退款, 售后…). */
  orders: ['order_id', 'customer_external_id', 'email', 'phone', 'name', 'province', 'city', 'district', 'address', 'status', 'order_type', 'placed_at', 'paid_at', 'currency', 'total', 'discount', 'shipping', 'coupon', 'sku', 'product_name', 'category', 'quantity', 'unit_price'],
  products: ['sku', 'name', 'category', 'price', 'currency'],
  /** Columns not mapped to a field become event properties (personal keys such as phone are dropped). */
  events: ['event', 'occurred_at', 'customer_external_id', 'email', 'phone', 'anonymous_id', 'message_id', 'properties'],
};
export const uploadQuery = z.strictObject({ kind: importKind, fileName: z.string().trim().min(1).max(200) });
export const uploadResult = z.object({
  uploadId: z.number().int(),
  header: z.array(z.string()),
  preview: z.array(z.array(z.string())),
  suggested: z.record(z.string(), z.string()),
  targets: z.array(z.string()),
});
export const startImportBody = z.strictObject({
  uploadId: z.number().int().positive(),
  kind: importKind,
  mapping: z.record(z.string(), z.string()),
  channel: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/).optional(),
  dateFormat: z.string().max(50).optional(),
});
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
  uploadId: z.number().int().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export const importList = z.object({ items: z.array(importSummary) });
export const undoResult = z.object({ orders: z.number().int(), refunds: z.number().int(), events: z.number().int(), customers: z.number().int(), products: z.number().int(), keptCustomers: z.number().int() });
