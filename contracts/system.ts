import { z } from 'zod';

/** The store's name, currency and time zone (Settings → Store). */
export const storeSettings = z.strictObject({
  name: z.string().trim().min(1).max(100),
  currency: z.string().regex(/^[A-Z]{3}$/),
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'Unknown IANA time zone'),
});
export type StoreSettings = z.infer<typeof storeSettings>;
