import lunar from 'lunar-javascript';
import type { holidayKeys } from '../../../contracts/journeys.ts';

/**
 * The holidays and shopping days a journey can be timed by: Gregorian dates, dates of the Chinese calendar (their
 * Gregorian day found for each year with lunar-javascript) and days fixed by a weekday rule. A store adds its own
 * (its anniversary, a member day) as `custom` with a month and day.
 */
type Rule =
  | { kind: 'gregorian'; month: number; day: number }
  | { kind: 'lunar'; month: number; day: number }
  | { kind: 'nth_weekday'; month: number; weekday: number; n: number };

export const HOLIDAYS = {
  new_year: { kind: 'gregorian', month: 1, day: 1 },
  spring_festival: { kind: 'lunar', month: 1, day: 1 },
  lantern_festival: { kind: 'lunar', month: 1, day: 15 },
  valentines_day: { kind: 'gregorian', month: 2, day: 14 },
  womens_day: { kind: 'gregorian', month: 3, day: 8 },
  '520': { kind: 'gregorian', month: 5, day: 20 },
  mothers_day: { kind: 'nth_weekday', month: 5, weekday: 0, n: 2 },
  dragon_boat: { kind: 'lunar', month: 5, day: 5 },
  '618': { kind: 'gregorian', month: 6, day: 18 },
  fathers_day: { kind: 'nth_weekday', month: 6, weekday: 0, n: 3 },
  qixi: { kind: 'lunar', month: 7, day: 7 },
  mid_autumn: { kind: 'lunar', month: 8, day: 15 },
  national_day: { kind: 'gregorian', month: 10, day: 1 },
  double_ninth: { kind: 'lunar', month: 9, day: 9 },
  singles_day: { kind: 'gregorian', month: 11, day: 11 },
  double_twelve: { kind: 'gregorian', month: 12, day: 12 },
  christmas: { kind: 'gregorian', month: 12, day: 25 },
} as const satisfies Record<(typeof holidayKeys)[number], Rule>;

export type HolidayKey = keyof typeof HOLIDAYS;

const pad = (n: number) => String(n).padStart(2, '0');

/** The Gregorian date (YYYY-MM-DD) of a holiday in a year; `custom` takes its MM-DD. */
export function holidayDate(holiday: HolidayKey | 'custom', year: number, custom?: string): string {
  if (holiday === 'custom') return `${year}-${custom}`;
  const rule: Rule = HOLIDAYS[holiday];
  if (rule.kind === 'gregorian') return `${year}-${pad(rule.month)}-${pad(rule.day)}`;
  if (rule.kind === 'lunar') return lunar.Lunar.fromYmd(year, rule.month, rule.day).getSolar().toYmd();
  const first = new Date(Date.UTC(year, rule.month - 1, 1)).getUTCDay();
  const day = 1 + ((rule.weekday - first + 7) % 7) + (rule.n - 1) * 7;
  return `${year}-${pad(rule.month)}-${pad(day)}`;
}
