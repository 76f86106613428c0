import { z } from 'zod';

export const providers = ['shopify', 'woocommerce', 'taobao', 'douyin', 'youzan', 'jd'] as const;

export const integrationBody = z.object({
  id: z.number().int(),
  provider: z.enum(providers),
  name: z.string(),
  channelId: z.number().int(),
  channel: z.string(),
  webhookPath: z.string().describe('Where the platform posts webhooks'),
  createdAt: z.string(),
  health: z.object({
    lastDeliveryAt: z.string().nullable(),
    deliveries: z.number().int(),
    failures: z.number().int(),
    lastFailureAt: z.string().nullable(),
    lastFailure: z.string().nullable().describe('HTTP status and error code of the latest refused delivery'),
  }),
});
export const integrationList = z.object({ items: z.array(integrationBody) });
export const createIntegrationBody = z.strictObject({
  provider: z.enum(providers),
  name: z.string().trim().min(1).max(100),
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,49}$/)
    .optional(),
  secret: z
    .string()
    .min(16)
    .max(500)
    .optional()
    .describe('The signing secret the platform uses (Shopify app secret, WooCommerce webhook secret); generated when absent'),
});
export const createIntegrationResult = z.object({ integration: integrationBody, secret: z.string().describe('Shown only once') });
