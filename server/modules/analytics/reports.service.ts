import { type RawBuilder, sql } from 'kysely';
import type { ReportFilter } from '../../../contracts/analytics.ts';
import type { Db } from '../../db/index.ts';

/**
 * The analytics pages' figures (read side: orders, customers, channels, customer_metrics, segment_members).
 * Every report takes the same filter: a date range on the orders, a channel, and a segment's members.
 */

type Filter = ReportFilter & { timeZone: string };

const orderFilter = (f: Filter, alias = 'o'): RawBuilder<unknown> => {
  const o = sql.raw(alias);
  const parts = [sql`${o}.paid_at is not null and ${o}.status <> 'cancelled'`];
  if (f.from) parts.push(sql`${o}.placed_at >= (${f.from}::date)::timestamp at time zone ${f.timeZone}`);
  if (f.to) parts.push(sql`${o}.placed_at < (${f.to}::date + 1)::timestamp at time zone ${f.timeZone}`);
  if (f.channel) parts.push(sql`${o}.channel_id = (select id from channels where code = ${f.channel})`);
  if (f.segment) parts.push(sql`${o}.customer_id in (select customer_id from segment_members where segment_id = ${f.segment})`);
  return sql.join(parts, sql` and `);
};
const customerFilter = (f: Filter, alias = 'c'): RawBuilder<unknown> => {
  const c = sql.raw(alias);
  const parts = [sql`${c}.merged_into is null`];
  if (f.segment) parts.push(sql`${c}.id in (select customer_id from segment_members where segment_id = ${f.segment})`);
  if (f.channel)
    parts.push(sql`${c}.id in (select customer_id from orders where channel_id = (select id from channels where code = ${f.channel}))`);
  return sql.join(parts, sql` and `);
};

export async function overviewReport(db: Db, f: Filter) {
  const [kpi, monthly, stages] = await Promise.all([
    sql<{ customers: number; buyers: number; repeat_buyers: number; orders: number; revenue: number; avg_clv: number | null }>`
      with b as (select customer_id, count(*) as n, sum(total_amount - refunded_amount) as v from orders o where ${orderFilter(f)} group by customer_id)
      select (select count(*)::int from customers c where ${customerFilter(f)}) as customers,
        count(*)::int as buyers, count(*) filter (where n >= 2)::int as repeat_buyers, coalesce(sum(n), 0)::int as orders,
        coalesce(sum(v), 0)::bigint as revenue,
        (select avg(m.clv) from customer_metrics m join customers c on c.id = m.customer_id where ${customerFilter(f)} and m.clv is not null)::float8 as avg_clv
      from b`.execute(db),
    sql<{ month: string; revenue: number; orders: number; buyers: number; new_buyers: number }>`
      with firsts as (select customer_id, min(placed_at) as first_at from orders where paid_at is not null and status <> 'cancelled' group by customer_id)
      select to_char(date_trunc('month', o.placed_at at time zone ${f.timeZone}), 'YYYY-MM') as month,
        sum(o.total_amount - o.refunded_amount)::bigint as revenue, count(*)::int as orders, count(distinct o.customer_id)::int as buyers,
        count(distinct o.customer_id) filter (where date_trunc('month', fi.first_at at time zone ${f.timeZone}) = date_trunc('month', o.placed_at at time zone ${f.timeZone}))::int as new_buyers
      from orders o join firsts fi on fi.customer_id = o.customer_id where ${orderFilter(f)} group by 1 order by 1`.execute(db),
    sql<{ stage: string; customers: number }>`
      select m.lifecycle_stage as stage, count(*)::int as customers from customer_metrics m join customers c on c.id = m.customer_id
      where ${customerFilter(f)} group by 1`.execute(db),
  ]);
  const k = kpi.rows[0];
  return {
    customers: k.customers,
    buyers: k.buyers,
    repeatRate: k.buyers ? k.repeat_buyers / k.buyers : 0,
    orders: k.orders,
    revenue: Number(k.revenue),
    averageOrderValue: k.orders ? Math.round(Number(k.revenue) / k.orders) : 0,
    averageClv: k.avg_clv === null ? null : Math.round(k.avg_clv),
    active: stages.rows.filter((s) => s.stage === 'active' || s.stage === 'new').reduce((n, s) => n + s.customers, 0),
    stages: stages.rows,
    monthly: monthly.rows.map((m) => ({
      month: m.month,
      revenue: Number(m.revenue),
      orders: m.orders,
      buyers: m.buyers,
      newBuyers: m.new_buyers,
    })),
  };
}

/** Share of each first-order-month cohort buying again k months later (k = 0…12), last 12 cohorts. */
export async function cohortReport(db: Db, f: Filter) {
  const rows = await sql<{ cohort: string; size: number; k: number; buyers: number }>`
    with paid as (select o.customer_id, date_trunc('month', o.placed_at at time zone ${f.timeZone}) as month from orders o where ${orderFilter(f)}),
    firsts as (select customer_id, min(month) as cohort from paid group by customer_id),
    cohorts as (select cohort, count(*)::int as size from firsts group by cohort order by cohort desc limit 12),
    activity as (
      select fi.cohort, ((extract(year from p.month) - extract(year from fi.cohort)) * 12 + extract(month from p.month) - extract(month from fi.cohort))::int as k,
        count(distinct p.customer_id)::int as buyers
      from paid p join firsts fi on fi.customer_id = p.customer_id join cohorts c on c.cohort = fi.cohort group by 1, 2)
    select to_char(c.cohort, 'YYYY-MM') as cohort, c.size, a.k, a.buyers from cohorts c join activity a on a.cohort = c.cohort
    where a.k between 0 and 12 order by 1, 3`.execute(db);
  const cohorts = new Map<string, { cohort: string; size: number; retention: (number | null)[] }>();
  for (const r of rows.rows) {
    const c = cohorts.get(r.cohort) ?? { cohort: r.cohort, size: r.size, retention: Array(13).fill(null) };
    c.retention[r.k] = r.buyers / r.size;
    cohorts.set(r.cohort, c);
  }
  return { cohorts: [...cohorts.values()] };
}

/** Per channel: buyers, revenue, repeat rate; and how many buyers buy in one, two or more channels (跨渠道). */
export async function channelReport(db: Db, f: Filter) {
  const [perChannel, overlap, pairs] = await Promise.all([
    sql<{ code: string; name: string; buyers: number; revenue: number; repeat_buyers: number }>`
      with b as (select o.channel_id, o.customer_id, count(*) as n, sum(o.total_amount - o.refunded_amount) as v from orders o where ${orderFilter(f)} group by 1, 2)
      select ch.code, ch.name, count(b.customer_id)::int as buyers, coalesce(sum(b.v), 0)::bigint as revenue, count(*) filter (where b.n >= 2)::int as repeat_buyers
      from channels ch left join b on b.channel_id = ch.id group by ch.id order by revenue desc`.execute(db),
    sql<{ channels: number; buyers: number }>`
      select least(n, 3)::int as channels, count(*)::int as buyers from (select customer_id, count(distinct channel_id) as n from orders o where ${orderFilter(f)} group by 1) x
      group by 1 order by 1`.execute(db),
    sql<{ a: string; b: string; buyers: number }>`
      with cc as (select distinct o.customer_id, ch.code from orders o join channels ch on ch.id = o.channel_id where ${orderFilter(f)})
      select x.code as a, y.code as b, count(*)::int as buyers from cc x join cc y on x.customer_id = y.customer_id and x.code < y.code
      group by 1, 2 order by 3 desc limit 20`.execute(db),
  ]);
  return {
    channels: perChannel.rows.map((c) => ({
      code: c.code,
      name: c.name,
      buyers: c.buyers,
      revenue: Number(c.revenue),
      repeatRate: c.buyers ? c.repeat_buyers / c.buyers : 0,
    })),
    overlap: overlap.rows,
    pairs: pairs.rows,
  };
}

export async function geographyReport(db: Db, f: Filter) {
  const rows = await sql<{ province: string | null; customers: number; buyers: number; revenue: number }>`
    with b as (select customer_id, sum(total_amount - refunded_amount) as v from orders o where ${orderFilter(f)} group by 1)
    select c.province, count(*)::int as customers, count(b.customer_id)::int as buyers, coalesce(sum(b.v), 0)::bigint as revenue
    from customers c left join b on b.customer_id = c.id where ${customerFilter(f)} group by 1 order by revenue desc`.execute(db);
  return { provinces: rows.rows.map((r) => ({ ...r, revenue: Number(r.revenue) })) };
}

export async function demographicsReport(db: Db, f: Filter) {
  const rows = await sql<{ gender: string; band: string; customers: number; revenue: number }>`
    with b as (select customer_id, sum(total_amount - refunded_amount) as v from orders o where ${orderFilter(f)} group by 1),
    aged as (select c.id, c.gender, extract(year from age(current_date, c.birthday))::int as age from customers c where ${customerFilter(f)})
    select a.gender, case when a.age is null then 'unknown' when a.age < 18 then 'under_18' when a.age < 25 then '18_24' when a.age < 35 then '25_34'
      when a.age < 45 then '35_44' when a.age < 55 then '45_54' else '55_plus' end as band,
      count(*)::int as customers, coalesce(sum(b.v), 0)::bigint as revenue
    from aged a left join b on b.customer_id = a.id group by 1, 2`.execute(db);
  return { cells: rows.rows.map((r) => ({ ...r, revenue: Number(r.revenue) })) };
}

/** Predicted-value distribution, churn-risk bands, and the customers at risk who are worth the most. */
export async function valueReport(db: Db, f: Filter) {
  const [clv, risk, top] = await Promise.all([
    sql<{ band: number; customers: number }>`
      select width_bucket(m.clv / 100, 0, 5000, 10)::int as band, count(*)::int as customers from customer_metrics m join customers c on c.id = m.customer_id
      where ${customerFilter(f)} and m.clv is not null group by 1 order by 1`.execute(db),
    sql<{ band: string; customers: number; net_spent: number; clv: number }>`
      select case when m.churn_probability < 0.25 then 'low' when m.churn_probability < 0.5 then 'medium' when m.churn_probability < 0.75 then 'high' else 'very_high' end as band,
        count(*)::int as customers, coalesce(sum(m.net_spent), 0)::bigint as net_spent, coalesce(sum(m.clv), 0)::float8 as clv
      from customer_metrics m join customers c on c.id = m.customer_id where ${customerFilter(f)} and m.churn_probability is not null group by 1`.execute(
      db,
    ),
    sql<{
      id: number;
      name: string | null;
      net_spent: number;
      churn_probability: number;
      last_order_at: Date | null;
      orders_count: number;
    }>`
      select c.id, c.name, m.net_spent, m.churn_probability, m.last_order_at, m.orders_count from customer_metrics m join customers c on c.id = m.customer_id
      where ${customerFilter(f)} and m.churn_probability >= 0.5 order by m.net_spent desc limit 20`.execute(db),
  ]);
  return {
    clvBands: clv.rows.map((r) => ({
      fromYuan: Math.max(0, (r.band - 1) * 500),
      toYuan: r.band > 10 ? null : r.band * 500,
      customers: r.customers,
    })),
    riskBands: risk.rows.map((r) => ({ band: r.band, customers: r.customers, netSpent: Number(r.net_spent), clv: Math.round(r.clv) })),
    atRisk: top.rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      netSpent: Number(r.net_spent),
      churnProbability: r.churn_probability,
      lastOrderAt: r.last_order_at?.toISOString() ?? null,
      orders: r.orders_count,
    })),
  };
}
