import chineseDays from 'chinese-days';
import Holidays from 'date-holidays';
import type { BusinessCalendar } from '../../../contracts/service.ts';
import { todayIn } from '../../platform/clock.ts';

const MINUTE = 60_000;
const DAY_MINUTES = 1440;
/** How far a calendar is walked before giving up (a calendar with no working time at all). */
const MAX_DAYS = 800;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const countries = new Map<string, Holidays>();
function publicHoliday(country: string, date: string): boolean {
  let h = countries.get(country);
  if (!h) {
    h = new Holidays(country);
    countries.set(country, h);
  }
  const found = h.isHoliday(new Date(`${date}T12:00:00Z`));
  return Array.isArray(found) && found.some((d) => d.type === 'public');
}

/** Local date, weekday and minutes since midnight of an instant in a zone. */
function localOf(at: Date, timeZone: string): { date: string; weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '0';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  const minute = Number(get('hour')) * 60 + Number(get('minute')) + (Number(get('second')) + (at.getTime() % 1000) / 1000) / 60;
  return { date: todayIn(timeZone, at), weekday, minute };
}

/**
 * The working windows (minutes since local midnight) of a local date. China: a State Council holiday is off and a
 * 调休 make-up weekend day works Monday's hours; elsewhere a public holiday of the country is off.
 */
export function windowsOf(cal: BusinessCalendar, date: string, weekday: number): [number, number][] {
  const toMinutes = (ws: readonly { start: string; end: string }[]) =>
    ws.map((w): [number, number] => [minutesOf(w.start), minutesOf(w.end)]);
  if (cal.holidays === 'CN') {
    if (!chineseDays.isWorkday(date)) return [];
    const own = cal.week[weekday];
    return toMinutes(own.length > 0 ? own : cal.week[1]);
  }
  if (cal.holidays && publicHoliday(cal.holidays, date)) return [];
  return toMinutes(cal.week[weekday]);
}

/**
 * Walks business time from `from`: calls `visit` with each working stretch (its start and length in minutes) in order
 * until it returns true or the walk passes `until`.
 */
function walk(cal: BusinessCalendar, from: Date, until: Date | null, visit: (start: Date, minutes: number) => boolean): void {
  let t = from;
  for (let day = 0; day < MAX_DAYS; day++) {
    const local = localOf(t, cal.timeZone);
    const midnight = t.getTime() - local.minute * MINUTE;
    for (const [s, e] of windowsOf(cal, local.date, local.weekday)) {
      if (e <= local.minute) continue;
      const start = new Date(midnight + Math.max(s, local.minute) * MINUTE);
      if (until && start >= until) return;
      const end = new Date(midnight + e * MINUTE);
      const stop = until && end > until ? until : end;
      if (visit(start, (stop.getTime() - start.getTime()) / MINUTE)) return;
    }
    // The next local midnight (a clock change shifts the day by its hour; the next pass reads the local time again).
    t = new Date(midnight + DAY_MINUTES * MINUTE + 1);
    if (until && t >= until) return;
  }
}

/** The instant `minutes` of business time after `from` (null: the calendar has no working time ahead). */
export function addBusinessMinutes(cal: BusinessCalendar, from: Date, minutes: number): Date | null {
  if (minutes <= 0) return from;
  let left = minutes;
  let at: Date | null = null;
  walk(cal, from, null, (start, length) => {
    if (length < left) {
      left -= length;
      return false;
    }
    at = new Date(start.getTime() + left * MINUTE);
    return true;
  });
  return at;
}

/** Business minutes between two instants (0 when `to` is not after `from`). */
export function businessMinutesBetween(cal: BusinessCalendar, from: Date, to: Date): number {
  if (to <= from) return 0;
  let total = 0;
  walk(cal, from, to, (_start, length) => {
    total += length;
    return false;
  });
  return total;
}

/** Calendar-time arithmetic with the same signatures, for policies that ignore business hours. */
export const wallClock = {
  add: (from: Date, minutes: number) => new Date(from.getTime() + minutes * MINUTE),
  between: (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / MINUTE),
};
