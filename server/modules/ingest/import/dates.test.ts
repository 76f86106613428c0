import { describe, expect, it } from 'vitest';
import { dayParser, makeDateParser } from './dates.ts';

describe('import date parsing', () => {
  it('reads wall-clock times in the file’s time zone, across daylight-saving changes', () => {
    const london = makeDateParser(undefined, 'Europe/London');
    expect(london('2026-03-29 00:30')?.toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(london('2026-03-29 02:30')?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(london('2026-07-01 12:00')?.toISOString()).toBe('2026-07-01T11:00:00.000Z');
    expect(london('2026-10-25 03:00')?.toISOString()).toBe('2026-10-25T03:00:00.000Z');
    const shanghai = makeDateParser('DD/MM/YYYY HH:mm', 'Asia/Shanghai');
    expect(shanghai('01/02/2026 08:05')?.toISOString()).toBe('2026-02-01T00:05:00.000Z');
    const kathmandu = makeDateParser(undefined, 'Asia/Kathmandu');
    expect(kathmandu('2026-01-01 05:45')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('gives the same answer for every minute of a day, whatever it read before', () => {
    const parse = makeDateParser(undefined, 'America/New_York');
    for (let m = 0; m < 24 * 60; m += 7) {
      const text = `2026-11-01 ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
      const at = parse(text)!;
      const wall = new Intl.DateTimeFormat('en-CA', {
        timeZone: 'America/New_York',
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }).format(at);
      expect(wall.replace(',', '')).toBe(text);
    }
  });

  it('rejects impossible dates and reads calendar days without shifting them', () => {
    expect(makeDateParser('M/D/YYYY H:mm', 'UTC')('13/45/2010 8:34')).toBeNull();
    expect(dayParser(undefined)('1990-01-02')).toBe('1990-01-02');
  });

  it('rejects days a month does not have instead of rolling them into the next month', () => {
    expect(dayParser(undefined)('1995-02-30')).toBeNull();
    expect(dayParser(undefined)('2023-02-29')).toBeNull();
    expect(dayParser(undefined)('2024-02-29')).toBe('2024-02-29');
    expect(dayParser('DD/MM/YYYY')('31/04/2020')).toBeNull();
    expect(makeDateParser(undefined, 'Asia/Shanghai')('2021-04-31 10:00')).toBeNull();
    expect(makeDateParser(undefined, 'UTC')('2021-02-30T10:00:00Z')).toBeNull();
    expect(makeDateParser(undefined, 'UTC')('2021-02-28 24:00')).toBeNull();
  });
});
