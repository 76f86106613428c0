import { describe, expect, it } from 'vitest';
import { isoTime } from './registry.ts';

describe('isoTime', () => {
  it('reads PostgreSQL JSON times in UTC with any number of decimals, and truncates to milliseconds as a Date does', () => {
    for (const t of [
      '2026-04-26T00:33:20+00:00',
      '2026-04-26T00:33:20.8+00:00',
      '2026-04-26T00:33:20.85+00:00',
      '2026-04-26T00:33:20.855+00:00',
      '2026-04-26T00:33:20.855999+00:00',
      '1999-12-31T23:59:59.000001+00:00',
    ]) {
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
    expect(isoTime('2026-04-26T00:33:20.85+00:00')).toBe('2026-04-26T00:33:20.850Z');
  });

  it('reads other offsets, Date objects and times without a UTC offset through a Date', () => {
    expect(isoTime('2026-04-26T08:33:20.855+08:00')).toBe('2026-04-26T00:33:20.855Z');
    expect(isoTime('2026-04-26T00:33:20.855Z')).toBe('2026-04-26T00:33:20.855Z');
    expect(isoTime(new Date(Date.UTC(2026, 3, 26, 0, 33, 20, 855)))).toBe('2026-04-26T00:33:20.855Z');
  });
});
