import { z } from 'zod';

export const errorBody = z.object({
  error: z.object({
    code: z.string().describe('Stable SCREAMING_SNAKE error code'),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** `?reveal=true`: personal data in clear (needs pii.read; audited). */
export const revealQuery = z.strictObject({
  reveal: z
    .enum(['true', 'false'])
    .default('false')
    .describe('Show personal data unmasked, also inside free text (needs pii.read; audited)'),
});

export const idParams = z.strictObject({ id: z.coerce.number().int().positive() });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int() });

export const okBody = z.object({ ok: z.literal(true) });

/** A background job was queued (202). */
export const queuedBody = z.object({ queued: z.literal(true) });

/** A parcel's logistics status (orders area, 360 page). */
export const shipmentStatus = z.enum(['pending', 'in_transit', 'out_for_delivery', 'delivered', 'failed', 'returned', 'unknown']);
