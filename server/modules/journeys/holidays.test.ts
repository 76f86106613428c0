import { describe, expect, it } from 'vitest';
import { holidayDate } from './holidays.ts';

describe('holiday dates', () => {
  it('finds Chinese-calendar holidays, weekday rules and fixed days in a given year', () => {
    expect(holidayDate('spring_festival', 2027)).toBe('2027-02-06');
    expect(holidayDate('mid_autumn', 2026)).toBe('2026-09-25');
    expect(holidayDate('dragon_boat', 2026)).toBe('2026-06-19');
    expect(holidayDate('mothers_day', 2026)).toBe('2026-05-10');
    expect(holidayDate('fathers_day', 2026)).toBe('2026-06-21');
    expect(holidayDate('singles_day', 2026)).toBe('2026-11-11');
    expect(holidayDate('custom', 2026, '06-01')).toBe('2026-06-01');
  });
});
