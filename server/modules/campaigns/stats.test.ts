import { describe, expect, it } from 'vitest';
import { meanDifference, meanDifferenceP, normalCdf, proportionDifference, twoProportionP, wilson } from './stats.ts';

describe('campaign statistics', () => {
  it('computes the normal distribution function', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 5);
  });

  it('gives the Wilson interval of a rate (textbook values)', () => {
    // 81 successes in 263 trials: 0.2553 … 0.3662 (Newcombe 1998, method 3).
    const i = wilson(81, 263);
    expect(i.low).toBeCloseTo(0.2553, 3);
    expect(i.high).toBeCloseTo(0.3662, 3);
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 0 });
  });

  it('tests two proportions: a clear difference is significant, equal ones are not', () => {
    // 60/500 against 40/500: z = 2.11, p ≈ 0.035.
    expect(twoProportionP(60, 500, 40, 500)).toBeCloseTo(0.0349, 3);
    expect(twoProportionP(50, 500, 50, 500)).toBeCloseTo(1, 6);
    expect(twoProportionP(1, 0, 1, 10)).toBeNull();
  });

  it('gives the uplift of a proportion with its interval', () => {
    const d = proportionDifference(300, 1000, 100, 1000);
    expect(d.value).toBeCloseTo(0.2, 10);
    // SE = sqrt(.3·.7/1000 + .1·.9/1000) = 0.017321; half-width 1.96 · SE = 0.033948.
    expect(d.interval.low).toBeCloseTo(0.2 - 0.033948, 5);
    expect(d.significant).toBe(true);
    expect(proportionDifference(10, 100, 9, 100).significant).toBe(false);
  });

  it('gives the difference of two means by their moments (Welch)', () => {
    // Treated: 0, 10, 20 (mean 10, variance 100); control: 0, 0, 6 (mean 2, variance 12).
    const a = { n: 3, sum: 30, sumSquares: 500 };
    const b = { n: 3, sum: 6, sumSquares: 36 };
    const d = meanDifference(a, b);
    expect(d.value).toBe(8);
    const half = 1.959963984540054 * Math.sqrt(100 / 3 + 12 / 3);
    expect(d.interval.high).toBeCloseTo(8 + half, 10);
    expect(d.significant).toBe(false);
    expect(meanDifferenceP(a, b)).toBeGreaterThan(0.05);
  });
});
