/** A daily window in local time, `HH:MM` to `HH:MM`; a window whose end is before its start runs past midnight. */
export type Window = { start: string; end: string };

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Minutes since local midnight, and the seconds into the minute, of an instant in a time zone. */
function localClock(at: Date, timeZone: string): { minutes: number; seconds: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { minutes: get('hour') * 60 + get('minute'), seconds: get('second') + (at.getTime() % 1000) / 1000 };
}

/** Minutes from local time `m` to the end of `w` when `m` is inside it, else null. */
function minutesLeft(m: number, w: Window): number | null {
  const s = minutesOf(w.start);
  const e = minutesOf(w.end);
  if (s === e) return null;
  if (s < e) return m >= s && m < e ? e - m : null;
  if (m >= s) return 24 * 60 - m + e;
  return m < e ? e - m : null;
}

/**
 * When a message due at `at` may go: `at` itself outside every window, else the end of the window it falls in
 * (and of any window that end falls in). Local time of `timeZone`; a clock change inside a window moves its end by
 * the change.
 */
export function nextAllowed(at: Date, timeZone: string, windows: readonly Window[]): Date {
  let t = at;
  for (let hop = 0; hop <= windows.length; hop++) {
    const { minutes, seconds } = localClock(t, timeZone);
    const left = windows.map((w) => minutesLeft(minutes, w)).filter((x): x is number => x !== null);
    if (left.length === 0) return t;
    t = new Date(t.getTime() + (Math.max(...left) * 60 - seconds) * 1000);
  }
  return t;
}

/** The first instant at or after `at` whose local time in `timeZone` is `hhmm` (a journey's "wait until 10:00"). */
export function nextTimeOfDay(at: Date, hhmm: string, timeZone: string): Date {
  const m = minutesOf(hhmm);
  const after = `${String(Math.floor(((m + 1) % 1440) / 60)).padStart(2, '0')}:${String((m + 1) % 60).padStart(2, '0')}`;
  // Every minute of the day but the one at `hhmm` is a window that ends at `hhmm`.
  return nextAllowed(at, timeZone, [{ start: after, end: hhmm }]);
}
