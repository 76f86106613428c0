import { describe, expect, it } from 'vitest';
import { createRng } from '../../platform/random.ts';
import { kmeans, silhouette, standardise } from './kmeans.ts';

/** Three well-separated Gaussian blobs in two dimensions. */
function blobs(perBlob: number): { rows: number[][]; truth: number[] } {
  const rng = createRng(3);
  const centres = [
    [0, 0],
    [10, 0],
    [5, 9],
  ];
  const rows: number[][] = [];
  const truth: number[] = [];
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  centres.forEach((c, i) => {
    for (let j = 0; j < perBlob; j++) {
      rows.push([c[0] + normal(), c[1] + normal()]);
      truth.push(i);
    }
  });
  return { rows, truth };
}

describe('k-means', () => {
  it('recovers three separated blobs, and the silhouette prefers k = 3', () => {
    const { rows, truth } = blobs(300);
    const result = kmeans(rows, 3);
    const centres = result.centroids.map((c) => c.map(Math.round).join(',')).sort();
    expect(centres).toEqual(['0,0', '10,0', '5,9']);
    // Every blob lands in one cluster.
    for (let b = 0; b < 3; b++) {
      const labels = new Set(truth.flatMap((t, i) => (t === b ? [result.assignment[i]] : [])));
      expect(labels.size).toBe(1);
    }
    const scores = [2, 3, 4, 5].map((k) => silhouette(rows, kmeans(rows, k).assignment, k));
    expect(scores.indexOf(Math.max(...scores)) + 2).toBe(3);
    expect(scores[1]).toBeGreaterThan(0.7);
    // Inertia falls as k grows (the elbow is at 3).
    const inertia = [2, 3, 4].map((k) => kmeans(rows, k).inertia);
    expect(inertia[0]).toBeGreaterThan(inertia[1]);
    expect(inertia[0] - inertia[1]).toBeGreaterThan(5 * (inertia[1] - inertia[2]));
  });

  it('is deterministic for a seed and standardises columns', () => {
    const { rows } = blobs(50);
    expect(Array.from(kmeans(rows, 3, 7).assignment)).toEqual(Array.from(kmeans(rows, 3, 7).assignment));
    const z = standardise([
      [1, 10],
      [3, 10],
      [5, 10],
    ]);
    expect(z.map((r) => r[0])).toEqual([-Math.sqrt(1.5), 0, Math.sqrt(1.5)]);
    expect(z.map((r) => r[1])).toEqual([0, 0, 0]);
    expect(() => kmeans([[1, 2]], 2)).toThrow(RangeError);
  });
});
