import { sql } from 'kysely';
import { RFM_GROUPS, type RfmGroup } from '../../../contracts/analytics.ts';
import type { Db } from '../../db/index.ts';

/**
 * RFM over a window ending at an as-of date (store time zone). Recency: days since the last paid order;
 * frequency: distinct paid orders in the window; monetary: net spent (after refunds) in the window.
 * Scores 1–5 by quintile of the customers who bought in the window: score = 1 + ⌊5 × share of values below⌋ (recency
 * ordered most-recent-last), so equal values get equal scores, the lowest of their tie: when most buyers placed one
 * order, one order scores F1.
 *
 * Named groups from the R and F scores (the common RFM map; M is reported but not used for naming):
 *   R1 F1 Lost · R1–2 F1–2 Hibernating · R1–2 F3–4 At risk · R1–2 F5 Can't lose them · R3 F1–2 About to sleep
 *   R3 F3 Need attention · R3–4 F4–5 Loyal · R4 F1 Promising · R5 F1 New · R4–5 F2–3 Potential loyalists
 *   R5 F4–5 Champions
 */
export { RFM_GROUPS };

export function rfmGroup(r: number, f: number): RfmGroup {
  if (r === 1 && f === 1) return 'lost';
  if (r <= 2) return f <= 2 ? 'hibernating' : f <= 4 ? 'at_risk' : 'cant_lose_them';
  if (r === 3) return f <= 2 ? 'about_to_sleep' : f === 3 ? 'need_attention' : 'loyal';
  if (f === 1) return r === 4 ? 'promising' : 'new';
  if (f <= 3) return 'potential_loyalists';
  return r === 5 ? 'champions' : 'loyal';
}

export type RfmRow = {
  customerId: number;
  externalIds: string[];
  recencyDays: number;
  frequency: number;
  monetary: number;
  r: number;
  f: number;
  m: number;
  group: RfmGroup;
};

export type RfmOptions = { asOf: string; windowDays: number; timeZone: string; channel?: string; segment?: number };

/** One row per customer with a paid order in the window (read side: joins orders, customers, identities). */
export async function computeRfm(db: Db, opts: RfmOptions): Promise<RfmRow[]> {
  const rows = await sql<{
    customer_id: number;
    external_ids: string[] | null;
    recency_days: number;
    frequency: number;
    monetary: number;
    r: number;
    f: number;
    m: number;
  }>`
    with bounds as (
      select ((${opts.asOf}::date + 1)::timestamp at time zone ${opts.timeZone}) as end_at
    ), base as (
      select o.customer_id,
        count(distinct o.id)::int as frequency,
        sum(o.total_amount - o.refunded_amount)::bigint as monetary,
        floor(extract(epoch from (b.end_at - max(o.paid_at))) / 86400)::int as recency_days
      from orders o cross join bounds b
      join customers c on c.id = o.customer_id and c.merged_into is null
      where o.paid_at is not null and o.paid_at < b.end_at and o.paid_at >= b.end_at - make_interval(days => ${opts.windowDays})
        and ${opts.channel ? sql`o.channel_id = (select id from channels where code = ${opts.channel})` : sql`true`}
        and ${opts.segment ? sql`o.customer_id in (select customer_id from segment_members where segment_id = ${opts.segment})` : sql`true`}
      group by o.customer_id, b.end_at
    ), scored as (
      select *,
        least(5, 1 + floor(5 * (rank() over (order by recency_days desc) - 1)::numeric / count(*) over ()))::int as r,
        least(5, 1 + floor(5 * (rank() over (order by frequency) - 1)::numeric / count(*) over ()))::int as f,
        least(5, 1 + floor(5 * (rank() over (order by monetary) - 1)::numeric / count(*) over ()))::int as m
      from base
    )
    select s.*, (select array_agg(i.channel || ':' || i.key order by i.channel, i.key) from customer_identities i
                 where i.customer_id = s.customer_id and i.kind = 'external') as external_ids
    from scored s order by s.customer_id`.execute(db);
  return rows.rows.map((x) => ({
    customerId: Number(x.customer_id),
    externalIds: x.external_ids ?? [],
    recencyDays: x.recency_days,
    frequency: x.frequency,
    monetary: Number(x.monetary),
    r: x.r,
    f: x.f,
    m: x.m,
    group: rfmGroup(x.r, x.f),
  }));
}

/** Customers and revenue per group, for the API and the grid. */
export function summariseRfm(rows: RfmRow[]) {
  const groups = new Map<RfmGroup, { customers: number; revenue: number }>(RFM_GROUPS.map((g) => [g, { customers: 0, revenue: 0 }]));
  const grid: { r: number; f: number; customers: number; revenue: number }[] = [];
  for (const row of rows) {
    const g = groups.get(row.group)!;
    g.customers++;
    g.revenue += row.monetary;
    let cell = grid.find((c) => c.r === row.r && c.f === row.f);
    if (!cell) {
      cell = { r: row.r, f: row.f, customers: 0, revenue: 0 };
      grid.push(cell);
    }
    cell.customers++;
    cell.revenue += row.monetary;
  }
  return { groups: [...groups].map(([group, v]) => ({ group, ...v })), grid: grid.sort((a, b) => a.r - b.r || a.f - b.f) };
}
