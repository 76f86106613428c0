import { sql } from 'kysely';
import type { StoreSettings } from '../../../contracts/system.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { recordAudit } from '../audit/index.ts';

export type { StoreSettings };

const KEY = 'store';

/** One settings document by key, over its defaults (read through the caller's transaction when in one). */
export async function readSetting<T extends object>(db: Db, key: string, fallback: T): Promise<T> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return settingOf(row?.value ?? null, fallback);
}

/** A settings document as stored (null: never saved) over its defaults. */
export const settingOf = <T extends object>(stored: unknown, fallback: T): T =>
  stored ? { ...fallback, ...(stored as Partial<T>) } : fallback;

/** A settings document as stored (JSON, null when never saved), for a statement that reads it with other things. */
export const settingSql = (key: string) => sql<unknown>`(select s.value from settings s where s.key = ${key})`;

/** Replaces a settings document, audited with its before and after. */
/**
 * A settings document as the audit log keeps it: ciphertexts of secrets (fields named `…Enc`) stand as a marker —
 * against `before`, whether the secret changed — never as the ciphertext, which the data key would open.
 */
export function withoutCiphertexts(value: unknown, before?: { value: unknown }): unknown {
  if (value === null || typeof value !== 'object') return value;
  const prior = before?.value !== null && typeof before?.value === 'object' ? (before.value as Record<string, unknown>) : {};
  const entries = Object.entries(value).map(([k, v]) => {
    if (k.endsWith('Enc') && typeof v === 'string') return [k, !before || prior[k] === v ? '(encrypted)' : '(encrypted, changed)'];
    return [k, withoutCiphertexts(v, before && { value: prior[k] })];
  });
  return Array.isArray(value) ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}

export async function writeSetting<T extends object>(db: Db, opts: { key: string; value: T; fallback: T; actor: Actor }): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const before = await readSetting(trx, opts.key, opts.fallback);
    const value = JSON.stringify(opts.value);
    await trx
      .insertInto('settings')
      .values({ key: opts.key, value, updated_at: new Date(), updated_by: opts.actor.id })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date(), updated_by: opts.actor.id }))
      .execute();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'settings.update',
      target: { type: 'settings', id: opts.key },
      before: withoutCiphertexts(before),
      after: withoutCiphertexts(opts.value, { value: before }),
    });
    return opts.value;
  });
}

const storeFallback = (defaults: { timeZone: string }): StoreSettings => ({ name: 'Patron', currency: 'CNY', timeZone: defaults.timeZone });

export const getStoreSettings = (db: Db, defaults: { timeZone: string }): Promise<StoreSettings> =>
  readSetting(db, KEY, storeFallback(defaults));

export const updateStoreSettings = (db: Db, opts: { settings: StoreSettings; actor: Actor; defaults: { timeZone: string } }) =>
  writeSetting(db, { key: KEY, value: opts.settings, fallback: storeFallback(opts.defaults), actor: opts.actor });

/** The store's settings for a running process (its configured time zone is the fallback). */
export const storeSettingsOf = (ctx: { db: Db; config: { timeZone: string } }): Promise<StoreSettings> =>
  getStoreSettings(ctx.db, { timeZone: ctx.config.timeZone });

/** Now, and the store's time zone: what date-relative work (windows, as-of dates) needs. */
export const storeClockOf = async (ctx: { db: Db; config: { timeZone: string }; clock: { now(): Date } }) => ({
  now: ctx.clock.now(),
  timeZone: (await storeSettingsOf(ctx)).timeZone,
});
