import { describe, expect, it } from 'vitest';
import { quintileBreakpoints } from './models.service.ts';
import { RFM_GROUPS, rfmGroup, summariseRfm } from './rfm.service.ts';

describe('RFM group mapping', () => {
  it('maps every R×F cell to one of the eleven named groups, as documented', () => {
    const grid = [5, 4, 3, 2, 1].map((r) => [1, 2, 3, 4, 5].map((f) => rfmGroup(r, f)));
    expect(grid).toEqual([
      ['new', 'potential_loyalists', 'potential_loyalists', 'champions', 'champions'],
      ['promising', 'potential_loyalists', 'potential_loyalists', 'loyal', 'loyal'],
      ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
      ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose_them'],
      ['lost', 'hibernating', 'at_risk', 'at_risk', 'cant_lose_them'],
    ]);
    expect(new Set(grid.flat())).toEqual(new Set(RFM_GROUPS));
  });

  it('summarises customers and revenue per group and per grid cell', () => {
    const row = (r: number, f: number, monetary: number) => ({
      customerId: 1,
      externalIds: [],
      recencyDays: 1,
      frequency: 1,
      monetary,
      r,
      f,
      m: 1,
      group: rfmGroup(r, f),
    });
    const s = summariseRfm([row(5, 5, 100), row(5, 4, 50), row(1, 1, 7)]);
    expect(s.groups.find((g) => g.group === 'champions')).toEqual({ group: 'champions', customers: 2, revenue: 150 });
    expect(s.groups.find((g) => g.group === 'lost')).toEqual({ group: 'lost', customers: 1, revenue: 7 });
    expect(s.grid).toEqual([
      { r: 1, f: 1, customers: 1, revenue: 7 },
      { r: 5, f: 4, customers: 1, revenue: 50 },
      { r: 5, f: 5, customers: 1, revenue: 100 },
    ]);
  });
});

describe('RFM quintile breakpoints', () => {
  const score = (v: number, breaks: number[]) => 1 + breaks.filter((b) => v > b).length;

  it('scores one order F1 when most buyers placed one order (the lowest score of a tie)', () => {
    // 60% one order, 25% two, 10% three, 5% eight: as on a shop whose buyers mostly bought once.
    const values = [...Array(60).fill(1), ...Array(25).fill(2), ...Array(10).fill(3), ...Array(5).fill(8)];
    const breaks = quintileBreakpoints(values);
    expect([1, 2, 3, 8].map((v) => score(v, breaks))).toEqual([1, 4, 5, 5]);
  });

  it('splits distinct values into fifths', () => {
    const breaks = quintileBreakpoints(Array.from({ length: 100 }, (_, i) => i + 1));
    expect([1, 20, 21, 40, 41, 60, 61, 80, 81, 100].map((v) => score(v, breaks))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });
});
