import { describe, expect, it } from 'vitest';
import { createRng } from '../../platform/random.ts';
import {
  type BgNbdParams,
  type GammaGammaParams,
  type Rfx,
  bgNbdLogLikelihood,
  bgNbdTotalLogLikelihood,
  expectedAverageValue,
  expectedPurchases,
  expectedPurchasesNew,
  fitBgNbd,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaTotalLogLikelihood,
  hyp2f1,
  lgamma,
  pAlive,
} from './clv.model.ts';

/** Composite Simpson's rule on [lo, hi]. */
function integrate(f: (x: number) => number, lo: number, hi: number, n = 20_000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}
const gammaPdf = (shape: number, rate: number) => (x: number) =>
  Math.exp(shape * Math.log(rate) + (shape - 1) * Math.log(x) - rate * x - lgamma(shape));
const betaPdf = (a: number, b: number) => (x: number) =>
  Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) + lgamma(a + b) - lgamma(a) - lgamma(b));

/** Simulates BG/NBD customers: time 0 is the first purchase; after each repeat purchase they drop out with probability p. */
function simulateBgNbd(params: BgNbdParams, n: number, seed: number): Rfx[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const lambda = rng.gamma(params.r, 1 / params.alpha);
    const p = rng.beta(params.a, params.b);
    const T = 26 + rng.next() * 52;
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += rng.exponential(lambda);
      if (t > T) break;
      x++;
      tx = t;
      if (rng.next() < p) break;
    }
    return { x, tx, T };
  });
}

/** Each fitted parameter within ±tolerance (relative) of the one the data was simulated from. */
function expectRecovered<T extends Record<string, number>>(fitted: T, truth: T, tolerance: Partial<Record<keyof T, number>>) {
  for (const [key, tol] of Object.entries(tolerance) as [keyof T, number][]) {
    expect(fitted[key] / truth[key], String(key)).toBeGreaterThan(1 - tol);
    expect(fitted[key] / truth[key], String(key)).toBeLessThan(1 + tol);
  }
}

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('special functions', () => {
  it('lgamma matches known values', () => {
    expect(lgamma(1)).toBeCloseTo(0, 12);
    expect(lgamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lgamma(100.5)).toBeCloseTo(361.4355404677776, 9);
    expect(lgamma(3.7)).toBeCloseTo(1.4280723266653883, 12);
  });
  it('hyp2f1 matches closed forms', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 10);
      expect(hyp2f1(0.5, 1, 1, z)).toBeCloseTo((1 - z) ** -0.5, 10);
    }
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });
});

describe('BG/NBD closed forms', () => {
  const params: BgNbdParams = { r: 2, alpha: 5, a: 1.5, b: 3 };
  it('the likelihood equals the individual likelihood integrated over the gamma and beta mixing distributions', () => {
    for (const rfx of [
      { x: 0, tx: 0, T: 20 },
      { x: 1, tx: 4, T: 12 },
      { x: 4, tx: 15.5, T: 30 },
    ]) {
      const g = gammaPdf(params.r, params.alpha);
      const bp = betaPdf(params.a, params.b);
      const lambdaPart = (t: number) => integrate((l) => l ** rfx.x * Math.exp(-l * t) * g(l), 1e-9, 40);
      const stay = integrate((p) => (1 - p) ** rfx.x * bp(p), 1e-9, 1 - 1e-9);
      const leave = rfx.x > 0 ? integrate((p) => p * (1 - p) ** (rfx.x - 1) * bp(p), 1e-9, 1 - 1e-9) : 0;
      const numeric = stay * lambdaPart(rfx.T) + leave * lambdaPart(rfx.tx);
      expect(bgNbdLogLikelihood(params, rfx)).toBeCloseTo(Math.log(numeric), 5);
    }
  });

  it('reproduces the published CDNOW example: 1.226 expected purchases in 39 weeks for x=2, t_x=30.43, T=38.86', () => {
    expect(expectedPurchases(CDNOW, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 2);
  });

  it('a customer just acquired is expected to buy what a new customer buys; P(alive) falls with time since the last purchase', () => {
    expect(expectedPurchases(params, { x: 0, tx: 0, T: 0 }, 52)).toBeCloseTo(expectedPurchasesNew(params, 52), 10);
    expect(pAlive(params, { x: 0, tx: 0, T: 50 })).toBe(1);
    const recent = pAlive(params, { x: 3, tx: 48, T: 50 });
    const lapsed = pAlive(params, { x: 3, tx: 5, T: 50 });
    expect(recent).toBeGreaterThan(lapsed);
    expect(lapsed).toBeGreaterThan(0);
    expect(recent).toBeLessThanOrEqual(1);
  });

  it('the fit’s summed likelihood equals the weighted sum of the per-customer likelihood', () => {
    const data = [
      { x: 0, tx: 0, T: 20, weight: 3 },
      { x: 1, tx: 4, T: 12, weight: 1 },
      { x: 4, tx: 15.5, T: 30, weight: 2 },
      { x: 1, tx: 9, T: 40, weight: 5 },
    ];
    const summed = data.reduce((s, d) => s + d.weight * bgNbdLogLikelihood(params, d), 0);
    expect(bgNbdTotalLogLikelihood(params, data)).toBeCloseTo(summed, 9);
  });

  it('recovers the parameters it simulated customers from', () => {
    const truth: BgNbdParams = { r: 0.8, alpha: 6, a: 0.9, b: 3 };
    const sample = simulateBgNbd(truth, 8000, 42).map((d) => ({ ...d, weight: 1 }));
    const { params: fitted, logLikelihood } = fitBgNbd(sample);
    expectRecovered(fitted, truth, { r: 0.15, alpha: 0.15, a: 0.3, b: 0.3 });
    // The optimum is at least as likely as the truth.
    const truthLl = sample.reduce((s, d) => s + bgNbdLogLikelihood(truth, d), 0);
    expect(logLikelihood).toBeGreaterThanOrEqual(truthLl);
  });
});

describe('Gamma-Gamma', () => {
  const params: GammaGammaParams = { p: 6, q: 4, gamma: 15 };
  it('the likelihood equals the gamma density of the average integrated over the customer-level rate', () => {
    for (const spend of [
      { x: 1, m: 8 },
      { x: 3, m: 10 },
      { x: 7, m: 25 },
    ]) {
      const { x, m } = spend;
      const density = (nu: number) =>
        Math.exp(params.p * x * Math.log(nu * x) + (params.p * x - 1) * Math.log(m) - nu * x * m - lgamma(params.p * x));
      const numeric = integrate((nu) => density(nu) * gammaPdf(params.q, params.gamma)(nu), 1e-9, 10);
      expect(gammaGammaLogLikelihood(params, spend)).toBeCloseTo(Math.log(numeric), 5);
    }
  });

  it('the fit’s summed likelihood equals the weighted sum of the per-customer likelihood', () => {
    const data = [
      { x: 1, m: 8, weight: 2 },
      { x: 3, m: 10 },
      { x: 1, m: 30, weight: 4 },
      { x: 7, m: 25, weight: 1 },
    ];
    const summed = data.reduce((s, d) => s + (d.weight ?? 1) * gammaGammaLogLikelihood(params, d), 0);
    expect(gammaGammaTotalLogLikelihood(params, data)).toBeCloseTo(summed, 9);
  });

  it('shrinks a customer’s average towards the population mean, less so with more purchases', () => {
    const population = expectedAverageValue(params, { x: 0, m: 0 });
    expect(population).toBeCloseTo((6 * 15) / 3, 10);
    const one = expectedAverageValue(params, { x: 1, m: 100 });
    const many = expectedAverageValue(params, { x: 20, m: 100 });
    expect(one).toBeGreaterThan(population);
    expect(one).toBeLessThan(many);
    expect(many).toBeLessThan(100 * 1.05);
  });

  it('recovers the parameters it simulated spend from', () => {
    const truth: GammaGammaParams = { p: 6, q: 4, gamma: 15 };
    const rng = createRng(7);
    const sample = Array.from({ length: 6000 }, () => {
      const nu = rng.gamma(truth.q, 1 / truth.gamma);
      const x = rng.int(1, 8);
      let total = 0;
      for (let i = 0; i < x; i++) total += rng.gamma(truth.p, 1 / nu);
      return { x, m: total / x };
    });
    const { params: fitted } = fitGammaGamma(sample);
    // q and γ are correlated in this model; the population mean spend p·γ/(q−1) is what they pin down tightly.
    expectRecovered(fitted, truth, { p: 0.15, q: 0.25, gamma: 0.3 });
    expect(expectedAverageValue(fitted, { x: 0, m: 0 }) / expectedAverageValue(truth, { x: 0, m: 0 })).toBeCloseTo(1, 1);
  });

  it('stops at a bounded shape when everyone spends alike (no heterogeneity: the likelihood keeps rising as a shape grows)', () => {
    // Order values of 1,990 or 3,980 (one or two units at 19.90): each customer's average is one of a few values.
    const rng = createRng(11);
    const sample = Array.from({ length: 3000 }, () => {
      const x = rng.int(1, 6);
      let total = 0;
      for (let i = 0; i < x; i++) total += 1990 * rng.int(1, 2);
      return { x, m: total / x };
    });
    const { params: fitted } = fitGammaGamma(sample);
    // Unbounded, the simplex took q to 8e6 (and γ with it) before its tolerance stopped it.
    expect(Math.max(fitted.p, fitted.q)).toBeLessThanOrEqual(1e4 * (1 + 1e-9));
    const mean = sample.reduce((s, d) => s + d.m, 0) / sample.length;
    expect(expectedAverageValue(fitted, { x: 0, m: 0 }) / mean).toBeCloseTo(1, 1);
  });
});
