import { z } from 'zod';

export const rfmQuery = z.strictObject({
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('Last day of the window (default: today, store time zone)'),
  window: z.coerce.number().int().min(1).max(3650).default(365).describe('Window length in days'),
});
export const rfmSummary = z.object({
  asOf: z.string(),
  windowDays: z.number().int(),
  customers: z.number().int(),
  groups: z.array(z.object({ group: z.string(), customers: z.number().int(), revenue: z.number() })),
  grid: z.array(z.object({ r: z.number().int(), f: z.number().int(), customers: z.number().int(), revenue: z.number() })),
});
