import { z } from 'zod';

export const dashboardQuery = z.strictObject({
  days: z.coerce.number().int().min(7).max(730).default(365),
});

export const dashboardBody = z.object({
  asOf: z.string(),
  currency: z.string(),
  customers: z.number().int(),
  buyers: z.number().int(),
  newCustomers30d: z.number().int(),
  orders: z.number().int(),
  revenue: z.number().describe('Paid revenue net of refunds, minor units'),
  averageOrderValue: z.number().describe('Minor units'),
  repeatPurchaseRate: z.number().describe('Share of buyers with two or more paid orders'),
  monthly: z.array(z.object({ month: z.string(), orders: z.number().int(), revenue: z.number(), buyers: z.number().int() })),
  byChannel: z.array(z.object({ channel: z.string(), name: z.string(), orders: z.number().int(), revenue: z.number() })),
});
export type DashboardBody = z.infer<typeof dashboardBody>;
