import { z } from 'zod';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { recordAudit } from '../audit/index.ts';

export const storeSettingsSchema = z.strictObject({
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
export type StoreSettings = z.infer<typeof storeSettingsSchema>;

const KEY = 'store';

export async function getStoreSettings(db: Db, defaults: { timeZone: string }): Promise<StoreSettings> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
  const fallback: StoreSettings = { name: 'Patron', currency: 'CNY', timeZone: defaults.timeZone };
  return row ? { ...fallback, ...(row.value as Partial<StoreSettings>) } : fallback;
}

export async function updateStoreSettings(db: Db, opts: { settings: StoreSettings; actor: Actor; defaults: { timeZone: string } }) {
  return db.transaction().execute(async (trx) => {
    const before = await getStoreSettings(trx, opts.defaults);
    await trx
      .insertInto('settings')
      .values({ key: KEY, value: JSON.stringify(opts.settings), updated_at: new Date(), updated_by: opts.actor.id })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(opts.settings), updated_at: new Date(), updated_by: opts.actor.id }))
      .execute();
    await recordAudit(trx, { actor: opts.actor, action: 'settings.update', target: { type: 'settings', id: KEY }, before, after: opts.settings });
    return opts.settings;
  });
}

/** The store's settings for a running process (its configured time zone is the fallback). */
export const storeSettingsOf = (ctx: { db: Db; config: { timeZone: string } }): Promise<StoreSettings> =>
  getStoreSettings(ctx.db, { timeZone: ctx.config.timeZone });

/** Now, and the store's time zone: what date-relative work (windows, as-of dates) needs. */
export const storeClockOf = async (ctx: { db: Db; config: { timeZone: string }; clock: { now(): Date } }) => ({
  now: ctx.clock.now(),
  timeZone: (await storeSettingsOf(ctx)).timeZone,
});
