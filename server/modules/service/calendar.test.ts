import { describe, expect, it } from 'vitest';
import { businessCalendar } from '../../../contracts/service.ts';
import { addBusinessMinutes, businessMinutesBetween } from './calendar.ts';

const cn = businessCalendar.parse({});
const at = (local: string) => new Date(`${local}+08:00`);

describe('business calendar', () => {
  it('skips the National Day holidays and counts from the next working morning', () => {
    // Wednesday 30 September 2026, 17:00: one hour left that day; 1–7 October are off.
    expect(addBusinessMinutes(cn, at('2026-09-30T17:00:00'), 240)).toEqual(at('2026-10-08T12:00:00'));
    expect(businessMinutesBetween(cn, at('2026-09-30T17:00:00'), at('2026-10-08T10:00:00'))).toBe(120);
  });

  it('works a 调休 make-up Saturday with Monday’s hours', () => {
    // Friday 9 October 2026, 17:00: Saturday the 10th is a make-up working day.
    expect(addBusinessMinutes(cn, at('2026-10-09T17:00:00'), 120)).toEqual(at('2026-10-10T10:00:00'));
    // An ordinary Saturday (the 17th) is not.
    expect(addBusinessMinutes(cn, at('2026-10-16T17:00:00'), 120)).toEqual(at('2026-10-19T10:00:00'));
  });

  it('starts at opening time when the clock starts at night, and counts nothing outside hours', () => {
    expect(addBusinessMinutes(cn, at('2026-11-02T22:30:00'), 30)).toEqual(at('2026-11-03T09:30:00'));
    expect(businessMinutesBetween(cn, at('2026-11-02T19:00:00'), at('2026-11-03T08:00:00'))).toBe(0);
  });

  it('follows another country’s public holidays in its own zone', () => {
    const us = businessCalendar.parse({ timeZone: 'America/New_York', holidays: 'US' });
    // Thanksgiving 2026 is Thursday 26 November.
    expect(addBusinessMinutes(us, new Date('2026-11-25T17:00:00-05:00'), 120)).toEqual(new Date('2026-11-27T10:00:00-05:00'));
  });
});
