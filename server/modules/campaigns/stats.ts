/** The statistics a campaign report states: intervals for a rate and for differences, and a two-proportion test. */

const Z95 = 1.959963984540054;

export type Interval = { low: number; high: number };

/** Wilson score interval of a proportion (sound for small counts and rates near 0, unlike the normal one). */
export function wilson(successes: number, n: number, z = Z95): Interval {
  if (n === 0) return { low: 0, high: 0 };
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The standard normal distribution function (Abramowitz–Stegun 26.2.17, error < 7.5e-8). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989422804014327 * Math.exp((-x * x) / 2);
  const tail = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - tail : tail;
}

/** Two-sided p-value of the difference of two proportions (pooled z-test); null when either group is empty. */
export function twoProportionP(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 === 0 || n2 === 0) return null;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  return 2 * (1 - normalCdf(Math.abs(x1 / n1 - x2 / n2) / se));
}

/** Difference of two proportions (treated − control) with its 95% Wald interval. */
export function proportionDifference(x1: number, n1: number, x2: number, n2: number) {
  if (n1 === 0 || n2 === 0) return { value: 0, interval: { low: 0, high: 0 }, significant: false };
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const half = Z95 * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const value = p1 - p2;
  return { value, interval: { low: value - half, high: value + half }, significant: value - half > 0 || value + half < 0 };
}

/** A group's values by their count, sum and sum of squares (what SQL aggregates give). */
export type Moments = { n: number; sum: number; sumSquares: number };

const variance = (m: Moments) => (m.n < 2 ? 0 : Math.max(0, (m.sumSquares - (m.sum * m.sum) / m.n) / (m.n - 1)));

/** Difference of two means (treated − control) with its 95% Welch interval (normal approximation). */
export function meanDifference(a: Moments, b: Moments) {
  if (a.n === 0 || b.n === 0) return { value: 0, interval: { low: 0, high: 0 }, significant: false };
  const value = a.sum / a.n - b.sum / b.n;
  const half = Z95 * Math.sqrt(variance(a) / a.n + variance(b) / b.n);
  return { value, interval: { low: value - half, high: value + half }, significant: value - half > 0 || value + half < 0 };
}

/** A mean with its 95% interval (normal approximation). */
export function meanInterval(m: Moments): Interval {
  if (m.n === 0) return { low: 0, high: 0 };
  const mean = m.sum / m.n;
  const half = Z95 * Math.sqrt(variance(m) / m.n);
  return { low: mean - half, high: mean + half };
}

/** Two-sided p-value of the difference of two means (Welch z); null when a group is too small. */
export function meanDifferenceP(a: Moments, b: Moments): number | null {
  if (a.n < 2 || b.n < 2) return null;
  const se = Math.sqrt(variance(a) / a.n + variance(b) / b.n);
  if (se === 0) return a.sum / a.n === b.sum / b.n ? 1 : 0;
  return 2 * (1 - normalCdf(Math.abs(a.sum / a.n - b.sum / b.n) / se));
}
