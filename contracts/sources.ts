import { z } from 'zod';

export const sourceBody = z.object({
  id: z.number().int(),
  name: z.string(),
  channel: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const sourceList = z.object({ items: z.array(sourceBody) });
export const createSourceBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,49}$/)
    .optional()
    .describe('Sales channel code the events belong to (default: web)'),
});
export const createSourceResult = z.object({ source: sourceBody, writeKey: z.string().describe('Shown only once') });
