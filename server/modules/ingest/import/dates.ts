/**
 * Parses dates in a declared format (tokens YYYY, M/MM, D/DD, H/HH, m/mm, s/ss) or ISO 8601,
 * as wall-clock time in the given IANA time zone when the text carries no offset.
 */
const TOKENS: Record<string, string> = {
  YYYY: '(\\d{4})',
  MM: '(\\d{1,2})',
  M: '(\\d{1,2})',
  DD: '(\\d{1,2})',
  D: '(\\d{1,2})',
  HH: '(\\d{1,2})',
  H: '(\\d{1,2})',
  mm: '(\\d{1,2})',
  m: '(\\d{1,2})',
  ss: '(\\d{1,2})',
  s: '(\\d{1,2})',
};

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterOf = (timeZone: string) => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
};

/**
 * Offsets change only at transitions, which fall on quarter hours: one lookup per zone and quarter
 * hour serves every time inside it (a file of a million rows spans a few thousand of them).
 */
const QUARTER_HOUR = 900_000;
const offsets = new Map<string, number>();

function offsetMinutes(utcGuess: number, timeZone: string): number {
  const quarter = Math.floor(utcGuess / QUARTER_HOUR) * QUARTER_HOUR;
  const key = `${timeZone}|${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const parts = formatterOf(timeZone).formatToParts(new Date(quarter));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    offset = (Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - quarter) / 60_000;
    if (offsets.size >= 200_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

export function zonedTime(y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string): Date {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const first = guess - offsetMinutes(guess, timeZone) * 60_000;
  return new Date(guess - offsetMinutes(first, timeZone) * 60_000);
}

/** Whether the parts name a real moment: 1995-02-30 or 25:00 is a typing error, never rolled over into the next month or day. */
export function validParts(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

export function makeDateParser(format: string | undefined, timeZone: string): (text: string) => Date | null {
  if (!format) {
    return (text) => {
      const t = text.trim();
      const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
      if (m) {
        const parts = [+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)] as const;
        return validParts(...parts) ? zonedTime(...parts, timeZone) : null;
      }
      if (/^\d{4}-\d{2}-\d{2}T/.test(t) && !validIsoCalendar(t)) return null;
      const iso = Date.parse(t);
      return /[zZ]|[+-]\d\d:?\d\d$/.test(t) && !Number.isNaN(iso) ? new Date(iso) : null;
    };
  }
  const order: string[] = [];
  const pattern = format.replace(/YYYY|MM|M|DD|D|HH|H|mm|m|ss|s|[.*+?^${}()|[\]\\]/g, (tok) => {
    if (TOKENS[tok]) {
      order.push(tok[0]);
      return TOKENS[tok];
    }
    return `\\${tok}`;
  });
  const re = new RegExp(`^${pattern}$`);
  return (text) => {
    const m = re.exec(text.trim());
    if (!m) return null;
    const v: Record<string, number> = { Y: 0, M: 1, D: 1, H: 0, m: 0, s: 0 };
    order.forEach((k, i) => {
      v[k] = Number(m[i + 1]);
    });
    if (!validParts(v.Y, v.M, v.D, v.H, v.m, v.s)) return null;
    return zonedTime(v.Y, v.M, v.D, v.H, v.m, v.s, timeZone);
  };
}

/** `Date.parse` rolls 2021-02-30T… over into March: the calendar part of an ISO time checked on its own. */
const validIsoCalendar = (t: string) => validParts(+t.slice(0, 4), +t.slice(5, 7), +t.slice(8, 10), 0, 0, 0);

/** A calendar-day parser (`YYYY-MM-DD` out): the same formats, read in UTC so no day ever shifts. */
export function dayParser(format: string | undefined): (text: string) => string | null {
  const parse = makeDateParser(format, 'UTC');
  return (text) => parse(text)?.toISOString().slice(0, 10) ?? null;
}
