import { sql } from 'kysely';
import type { ClusterFeature } from '../../../contracts/analytics.ts';
import type { Db } from '../../db/index.ts';
import { kmeans, silhouette, standardise } from './kmeans.ts';

/**
 * k-means on the stored metrics of every buying customer (read side: customer_metrics, customers).
 * Spend, order counts and CLV are heavy-tailed, so they are log-transformed before z-scoring; recency is
 * z-scored as it is. Each k in the range is fitted; the silhouette (on a sample) picks k unless asked.
 */
const COLUMNS: Record<ClusterFeature, { column: string; log: boolean }> = {
  recency: { column: 'recency_days', log: false },
  frequency: { column: 'orders_count', log: true },
  monetary: { column: 'net_spent', log: true },
  clv: { column: 'clv', log: true },
};

export type ClusterOptions = { features: ClusterFeature[]; k?: number; kMin?: number; kMax?: number; channel?: string; segment?: number };

/** The buying customers to cluster (the analytics filter bar's channel and segment), with their features. */
async function featureRows(db: Db, opts: ClusterOptions) {
  const cols = opts.features.map((f) => sql`coalesce(m.${sql.ref(COLUMNS[f].column)}, 0)::float8`);
  const channel = opts.channel
    ? sql`and exists (select 1 from orders o where o.customer_id = m.customer_id and o.channel_id = (select id from channels where code = ${opts.channel} or name = ${opts.channel} limit 1))`
    : sql``;
  const segment = opts.segment
    ? sql`and m.customer_id in (select customer_id from segment_members where segment_id = ${opts.segment})`
    : sql``;
  const rows = await sql<{ id: number; v: number[] }>`
    select m.customer_id as id, array[${sql.join(cols)}] as v from customer_metrics m join customers c on c.id = m.customer_id
    where c.merged_into is null and m.orders_count > 0 ${channel} ${segment} order by m.customer_id`.execute(db);
  return { ids: rows.rows.map((r) => Number(r.id)), raw: rows.rows.map((r) => r.v.map(Number)) };
}

export async function clusterCustomers(db: Db, opts: ClusterOptions) {
  const { ids, raw } = await featureRows(db, opts);
  const transformed = raw.map((r) => r.map((v, j) => (COLUMNS[opts.features[j]].log ? Math.log1p(Math.max(0, v)) : v)));
  const rows = standardise(transformed);
  const kMin = opts.k ?? opts.kMin ?? 2;
  const kMax = Math.min(opts.k ?? opts.kMax ?? 8, Math.max(kMin, rows.length - 1));
  const candidates: { k: number; inertia: number; silhouette: number }[] = [];
  let best: ReturnType<typeof kmeans> | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  if (rows.length > kMin) {
    for (let k = kMin; k <= kMax; k++) {
      const result = kmeans(rows, k);
      const score = silhouette(rows, result.assignment, k);
      candidates.push({ k, inertia: result.inertia, silhouette: score });
      if (score > bestScore) {
        bestScore = score;
        best = result;
      }
    }
  }
  if (!best)
    return { customers: rows.length, features: opts.features, k: 0, candidates, clusters: [], members: new Map<number, number[]>() };
  const members = new Map<number, number[]>();
  const sums = Array.from({ length: best.k }, () => opts.features.map(() => 0));
  ids.forEach((id, i) => {
    const c = best.assignment[i];
    const list = members.get(c);
    if (list) list.push(id);
    else members.set(c, [id]);
    raw[i].forEach((v, j) => {
      sums[c][j] += v;
    });
  });
  const clusters = Array.from({ length: best.k }, (_, c) => {
    const size = members.get(c)?.length ?? 0;
    return {
      cluster: c,
      size,
      share: size / rows.length,
      means: Object.fromEntries(opts.features.map((f, j) => [f, size ? sums[c][j] / size : 0])),
    };
  }).sort((a, b) => (b.means.monetary ?? 0) - (a.means.monetary ?? 0));
  return { customers: rows.length, features: opts.features, k: best.k, candidates, clusters, members };
}
