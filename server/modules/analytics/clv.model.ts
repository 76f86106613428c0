/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and Gamma-Gamma
 * (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): likelihoods, maximum-likelihood fits
 * and per-customer predictions. Pure numerics; the conventions (repeat purchases in distinct periods after
 * the first, t_x and T measured from the first purchase) are applied by the caller that builds the summary.
 */

/** One customer's calibration summary: x repeat purchases, the last at t_x, observed for T (same unit). */
export type Rfx = { x: number; tx: number; T: number };
/** A summary shared by `weight` customers (fits run on distinct triples). */
export type WeightedRfx = Rfx & { weight: number };
export type BgNbdParams = { r: number; alpha: number; a: number; b: number };
export type GammaGammaParams = { p: number; q: number; gamma: number };
/** A customer with x ≥ 1 repeat purchases of average value m (Gamma-Gamma input). */
export type Spend = { x: number; m: number; weight?: number };

// Lanczos approximation (g = 7, n = 9): ~15 significant digits for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function lgamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lgamma(1 - z);
  const x = z - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

const logAddExp = (u: number, v: number) => (u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v)));

/** Gauss hypergeometric 2F1(a, b; c; z) for 0 ≤ z < 1 by its power series. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (z < 0 || z >= 1) throw new RangeError(`hyp2f1 needs 0 <= z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 100_000; k++) {
    term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
    sum += term;
    if (Math.abs(term) < 1e-15 * Math.abs(sum)) return sum;
  }
  return sum;
}

/** Log-likelihood of one BG/NBD summary (eq. 6 of the paper, in logs). */
export function bgNbdLogLikelihood(params: BgNbdParams, rfx: Rfx): number {
  return bgNbdTotalLogLikelihood(params, [{ ...rfx, weight: 1 }]);
}

/**
 * Σ weight × log-likelihood (eq. 6 of the paper, in logs) over the data, for the fit's inner loop: the parameter-only
 * terms once, and the gamma terms of each distinct x (a count, so few distinct values) once per evaluation.
 */
export function bgNbdTotalLogLikelihood({ r, alpha, a, b }: BgNbdParams, data: readonly WeightedRfx[]): number {
  const base = -lgamma(r) + r * Math.log(alpha) + lgamma(a + b) - lgamma(b);
  const logA = Math.log(a);
  const gammaTerms = new Map<number, number>();
  let ll = 0;
  for (const { x, tx, T, weight } of data) {
    let g = gammaTerms.get(x);
    if (g === undefined) {
      g = lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x);
      gammaTerms.set(x, g);
    }
    const a3 = -(r + x) * Math.log(alpha + T);
    const rest = x === 0 ? a3 : logAddExp(a3, logA - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx));
    ll += weight * (base + g + rest);
  }
  return ll;
}

/** P(alive | x, t_x, T): the probability the customer has not yet dropped out. */
export function pAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfx): number {
  if (x === 0) return 1;
  return 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t periods (eq. 10 of the paper). */
export function expectedPurchases(params: BgNbdParams, rfx: Rfx, t: number): number {
  const { r, alpha, a, b } = params;
  const { x, T } = rfx;
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const head = (a + b + x - 1) / (a - 1);
  const bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
  return head * bracket * pAlive(params, rfx);
}

/** E[X(t)]: expected purchases of a newly acquired customer in t periods (eq. 9). */
export function expectedPurchasesNew({ r, alpha, a, b }: BgNbdParams, t: number): number {
  return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
}

/** Gamma-Gamma log-likelihood of one customer's x repeat purchases averaging m. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, spend: Spend): number {
  return gammaGammaTotalLogLikelihood(params, [{ x: spend.x, m: spend.m }]);
}

/** Σ weight × Gamma-Gamma log-likelihood, with the gamma terms of each distinct x computed once per evaluation. */
export function gammaGammaTotalLogLikelihood({ p, q, gamma }: GammaGammaParams, data: readonly Spend[]): number {
  const base = -lgamma(q) + q * Math.log(gamma);
  const gammaTerms = new Map<number, number>();
  let ll = 0;
  for (const { x, m, weight } of data) {
    let g = gammaTerms.get(x);
    if (g === undefined) {
      g = lgamma(p * x + q) - lgamma(p * x) + p * x * Math.log(x);
      gammaTerms.set(x, g);
    }
    ll += (weight ?? 1) * (base + g + (p * x - 1) * Math.log(m) - (p * x + q) * Math.log(x * m + gamma));
  }
  return ll;
}

/** E[M | x, m]: expected average order value (population mean p·γ/(q−1) when x = 0). */
export function expectedAverageValue({ p, q, gamma }: GammaGammaParams, { x, m }: { x: number; m: number }): number {
  if (x === 0) return (p * gamma) / (q - 1);
  return ((gamma + m * x) * p) / (p * x + q - 1);
}

/** Nelder–Mead simplex minimiser (standard coefficients), enough for 3–4 log-parameters. */
export function nelderMead(
  f: (v: number[]) => number,
  start: number[],
  opts: { maxIterations?: number; tolerance?: number; step?: number } = {},
) {
  const n = start.length;
  const maxIterations = opts.maxIterations ?? 2000;
  const tolerance = opts.tolerance ?? 1e-10;
  const step = opts.step ?? 0.5;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((v) => ({ v, f: f(v) }));
  let iterations = 0;
  const combine = (p: number[], q: number[], t: number) => p.map((pi, i) => pi + t * (q[i] - pi));
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((u, w) => u.f - w.f);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.f - best.f) <= tolerance * (Math.abs(best.f) + tolerance)) break;
    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((s, p) => s + p.v[i], 0) / n);
    const reflected = combine(centroid, worst.v, -1);
    const fr = f(reflected);
    if (fr < best.f) {
      const expanded = combine(centroid, worst.v, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { v: expanded, f: fe } : { v: reflected, f: fr };
    } else if (fr < simplex[n - 1].f) {
      simplex[n] = { v: reflected, f: fr };
    } else {
      const contracted = fr < worst.f ? combine(centroid, reflected, 0.5) : combine(centroid, worst.v, 0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst.f)) simplex[n] = { v: contracted, f: fc };
      else simplex = simplex.map((p, i) => (i === 0 ? p : { v: combine(best.v, p.v, 0.5), f: f(combine(best.v, p.v, 0.5)) }));
    }
  }
  simplex.sort((u, w) => u.f - w.f);
  return { point: simplex[0].v, value: simplex[0].f, iterations };
}

/** Restarts the simplex from its own optimum until it stops improving (guards against early collapse). */
function minimise(f: (v: number[]) => number, start: number[]) {
  let best = nelderMead(f, start);
  for (let i = 0; i < 5; i++) {
    const again = nelderMead(f, best.point, { step: 0.1 });
    if (best.value - again.value < 1e-9) break;
    best = again;
  }
  return best;
}

const finiteOr = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);

/**
 * Shape parameters are searched within [1e-4, 1e4] (as logarithms). Beyond, a shape means "no heterogeneity" and the
 * likelihood is flat along a ridge: on an L shop whose imported buyers all spent alike, the Gamma-Gamma simplex walked
 * p out to 3.6e7 (γ to 7e-4, their product fixed) through every iteration of every restart — 13–65 s instead of ~1.
 */
const MAX_LOG_SHAPE = Math.log(1e4);
const outOfRange = (logShapes: readonly number[]) => logShapes.some((v) => Math.abs(v) > MAX_LOG_SHAPE);

/** Maximum-likelihood BG/NBD fit (parameters searched in logs, so they stay positive). */
export function fitBgNbd(data: readonly WeightedRfx[]): { params: BgNbdParams; logLikelihood: number } {
  const meanT =
    data.reduce((s, d) => s + d.T * d.weight, 0) /
    Math.max(
      1,
      data.reduce((s, d) => s + d.weight, 0),
    );
  const negLl = (v: number[]) => {
    if (outOfRange([v[0], v[2], v[3]])) return Number.MAX_VALUE;
    const params = { r: Math.exp(v[0]), alpha: Math.exp(v[1]), a: Math.exp(v[2]), b: Math.exp(v[3]) };
    return finiteOr(-bgNbdTotalLogLikelihood(params, data), Number.MAX_VALUE);
  };
  const best = minimise(negLl, [0, Math.log(Math.max(1, meanT / 4)), 0, 0]);
  const [r, alpha, a, b] = best.point.map(Math.exp);
  return { params: { r, alpha, a, b }, logLikelihood: -best.value };
}

/** Maximum-likelihood Gamma-Gamma fit on customers with at least one repeat purchase. */
export function fitGammaGamma(data: readonly Spend[]): { params: GammaGammaParams; logLikelihood: number } {
  const meanM =
    data.reduce((s, d) => s + d.m * (d.weight ?? 1), 0) /
    Math.max(
      1,
      data.reduce((s, d) => s + (d.weight ?? 1), 0),
    );
  const negLl = (v: number[]) => {
    if (outOfRange([v[0], v[1]])) return Number.MAX_VALUE;
    const params = { p: Math.exp(v[0]), q: Math.exp(v[1]), gamma: Math.exp(v[2]) };
    return finiteOr(-gammaGammaTotalLogLikelihood(params, data), Number.MAX_VALUE);
  };
  const best = minimise(negLl, [0, Math.log(2), Math.log(Math.max(1, meanM))]);
  const [p, q, gamma] = best.point.map(Math.exp);
  return { params: { p, q, gamma }, logLikelihood: -best.value };
}
