import { createRng } from '../../platform/random.ts';

/** k-means (Lloyd, k-means++ seeding) and the silhouette score; pure numerics on standardised rows. */

export type KMeansResult = { k: number; centroids: number[][]; assignment: Int32Array; inertia: number; iterations: number };

const dist2 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
};

/** Column-wise z-scores (a constant column becomes zeros). */
export function standardise(rows: number[][]): number[][] {
  if (rows.length === 0) return [];
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / rows.length) || 1);
  return rows.map((r) => r.map((v, j) => (v - mean[j]) / sd[j]));
}

export function kmeans(rows: number[][], k: number, seed = 42, maxIterations = 100): KMeansResult {
  const n = rows.length;
  if (n < k) throw new RangeError(`k-means needs at least k=${k} rows, got ${n}`);
  const rng = createRng(seed);
  // k-means++: each next centre drawn with probability proportional to squared distance to the nearest.
  const centroids: number[][] = [rows[Math.floor(rng.next() * n)].slice()];
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  while (centroids.length < k) {
    const last = centroids[centroids.length - 1];
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], dist2(rows[i], last));
      total += nearest[i];
    }
    let target = rng.next() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i];
      if (target <= 0) {
        pick = i;
        break;
      }
    }
    centroids.push(rows[pick].slice());
  }
  const assignment = new Int32Array(n).fill(-1);
  const d = rows[0].length;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const dd = dist2(rows[i], centroids[c]);
        if (dd < bestD) {
          bestD = dd;
          best = c;
        }
      }
      if (assignment[i] !== best) {
        assignment[i] = best;
        moved++;
      }
    }
    const sums = Array.from({ length: k }, () => new Float64Array(d));
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      counts[assignment[i]]++;
      for (let j = 0; j < d; j++) sums[assignment[i]][j] += rows[i][j];
    }
    for (let c = 0; c < k; c++) if (counts[c] > 0) centroids[c] = Array.from(sums[c], (s) => s / counts[c]);
    if (moved === 0) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist2(rows[i], centroids[assignment[i]]);
  return { k, centroids, assignment, inertia, iterations };
}

/** Mean silhouette over (a deterministic sample of) the rows: (b − a) / max(a, b) per row. */
export function silhouette(rows: number[][], assignment: ArrayLike<number>, k: number, sample = 2000): number {
  const step = Math.max(1, Math.floor(rows.length / sample));
  const idx: number[] = [];
  for (let i = 0; i < rows.length && idx.length < sample; i += step) idx.push(i);
  let total = 0;
  let counted = 0;
  for (const i of idx) {
    const sum = new Float64Array(k);
    const cnt = new Int32Array(k);
    for (const j of idx) {
      if (j === i) continue;
      sum[assignment[j]] += Math.sqrt(dist2(rows[i], rows[j]));
      cnt[assignment[j]]++;
    }
    const own = assignment[i];
    if (cnt[own] === 0) continue;
    const a = sum[own] / cnt[own];
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own && cnt[c] > 0) b = Math.min(b, sum[c] / cnt[c]);
    if (!Number.isFinite(b)) continue;
    total += (b - a) / Math.max(a, b);
    counted++;
  }
  return counted ? total / counted : 0;
}
