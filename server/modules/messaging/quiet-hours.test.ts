import { describe, expect, it } from 'vitest';
import { nextAllowed, nextTimeOfDay } from './quiet-hours.ts';

const night = [{ start: '21:00', end: '08:00' }];
const at = (iso: string) => new Date(iso);

describe('quiet hours', () => {
  it('lets a message outside the window go at once', () => {
    expect(nextAllowed(at('2026-12-03T02:00:00Z'), 'Asia/Shanghai', night).toISOString()).toBe('2026-12-03T02:00:00.000Z'); // 10:00 local
  });

  it('moves a message due late in the evening to 08:00 the next morning, local time', () => {
    // 22:30 in Shanghai → 08:00 next day in Shanghai (00:00 UTC).
    expect(nextAllowed(at('2026-12-03T14:30:00Z'), 'Asia/Shanghai', night).toISOString()).toBe('2026-12-04T00:00:00.000Z');
  });

  it('moves a message due after midnight to 08:00 the same morning', () => {
    expect(nextAllowed(at('2026-12-03T18:15:20Z'), 'Asia/Shanghai', night).toISOString()).toBe('2026-12-04T00:00:00.000Z'); // 02:15:20 local
  });

  it("uses the customer's time zone", () => {
    // 22:30 in London on 3 Dec (UTC+0) → 08:00 London on 4 Dec.
    expect(nextAllowed(at('2026-12-03T22:30:00Z'), 'Europe/London', night).toISOString()).toBe('2026-12-04T08:00:00.000Z');
  });

  it('chains windows: the end of one inside another moves on to the end of the second', () => {
    const windows = [...night, { start: '07:30', end: '09:30' }];
    expect(nextAllowed(at('2026-12-03T14:30:00Z'), 'Asia/Shanghai', windows).toISOString()).toBe('2026-12-04T01:30:00.000Z');
  });

  it('treats the end minute as open and a window of zero length as none', () => {
    expect(nextAllowed(at('2026-12-04T00:00:00Z'), 'Asia/Shanghai', night).toISOString()).toBe('2026-12-04T00:00:00.000Z');
    expect(nextAllowed(at('2026-12-03T14:30:00Z'), 'Asia/Shanghai', [{ start: '21:00', end: '21:00' }]).toISOString()).toBe(
      '2026-12-03T14:30:00.000Z',
    );
  });

  it('finds the next time of day in a zone: later today, else tomorrow; at the minute itself, now', () => {
    // 15:10 in Shanghai → 20:00 the same day; 23:10 → 10:00 the next day; 10:00:30 → itself.
    expect(nextTimeOfDay(at('2026-12-03T07:10:00Z'), '20:00', 'Asia/Shanghai').toISOString()).toBe('2026-12-03T12:00:00.000Z');
    expect(nextTimeOfDay(at('2026-12-03T15:10:00Z'), '10:00', 'Asia/Shanghai').toISOString()).toBe('2026-12-04T02:00:00.000Z');
    expect(nextTimeOfDay(at('2026-12-04T02:00:30Z'), '10:00', 'Asia/Shanghai').toISOString()).toBe('2026-12-04T02:00:30.000Z');
    expect(nextTimeOfDay(at('2026-12-03T23:30:00Z'), '00:00', 'UTC').toISOString()).toBe('2026-12-04T00:00:00.000Z');
  });
});
