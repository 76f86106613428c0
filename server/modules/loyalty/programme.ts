import { type RawBuilder, sql } from 'kysely';
import { type LoyaltySettings, loyaltySettings } from '../../../contracts/loyalty.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { readSetting, settingOf, settingSql, writeSetting } from '../system/index.ts';

export const loyaltyErrors = {
  notMember: (customerId: number) => new AppError('LOYALTY_NOT_MEMBER', 'not_found', `Customer ${customerId} is not a member.`),
  alreadyMember: (customerId: number) => new AppError('LOYALTY_ALREADY_MEMBER', 'conflict', `Customer ${customerId} is already a member.`),
  insufficient: (available: number, wanted: number) =>
    new AppError('LOYALTY_INSUFFICIENT_POINTS', 'conflict', `Only ${available} points are available; ${wanted} were asked for.`, {
      available,
      wanted,
    }),
};

const KEY = 'loyalty';
export const DEFAULT_SETTINGS: LoyaltySettings = loyaltySettings.parse({});

/** The programme as configured (its defaults where nothing was saved). */
export const loyaltySettingsOf = async (db: Db): Promise<LoyaltySettings> =>
  loyaltySettings.parse(await readSetting(db, KEY, DEFAULT_SETTINGS));

/** The programme as stored (JSON), for a statement that reads it with other things; `loyaltySettingsFrom` reads it. */
export const loyaltySettingsSql = () => settingSql(KEY);
export const loyaltySettingsFrom = (stored: unknown): LoyaltySettings => loyaltySettings.parse(settingOf(stored, DEFAULT_SETTINGS));

/** How many days before expiry points count as expiring, as SQL over the stored programme (`loyaltySettingsSql`). */
export const reminderDaysSql = (stored: RawBuilder<unknown>) =>
  sql<number>`coalesce((${stored} -> 'expiry' ->> 'reminderDays')::int, ${DEFAULT_SETTINGS.expiry.reminderDays}::int)`;

export const writeLoyaltySettings = (db: Db, value: LoyaltySettings, actor: Actor) =>
  writeSetting(db, { key: KEY, value, fallback: DEFAULT_SETTINGS, actor });

/** When points that become available at `availableAt` expire under the programme's rule (null: never). */
export function expirySql(s: LoyaltySettings, timeZone: string, availableAt: RawBuilder<unknown>): RawBuilder<Date | null> {
  switch (s.expiry.mode) {
    case 'never':
      return sql`null::timestamptz`;
    case 'rolling':
      return sql`(${availableAt} + make_interval(months => ${s.expiry.months}::int))`;
    case 'year_end':
      // The end of the year after the one the points became available in, in the store's time zone.
      return sql`((date_trunc('year', ${availableAt} at time zone ${timeZone}) + interval '2 years') at time zone ${timeZone})`;
  }
}

/** A tier's name by key, and the tiers' ranks (1 = lowest). */
export const tierOf = (s: LoyaltySettings, key: string | null) => (key === null ? undefined : s.tiers.find((t) => t.key === key));
