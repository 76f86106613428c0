import { describe, expect, it } from 'vitest';
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
    const row = (r: number, f: number, monetary: number) => ({ customerId: 1, externalIds: [], recencyDays: 1, frequency: 1, monetary, r, f, m: 1, group: rfmGroup(r, f) });
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
