import { sql } from 'kysely';
import { type DashboardBody, dashboardQuery } from '../../../contracts/dashboard.ts';
import type { Db } from '../../db/index.ts';
import { type StoreView, storedQuestion } from './snapshots.service.ts';

/**
 * Dashboard figures. Read side: joins customers, orders and channels (allowed in analytics).
 * "Paid" means paid_at is set; revenue is net of refunds, in minor units. They scan every paid order, so they
 * are a stored question: viewers read the stored answer (snapshots.service.ts).
 */
type OverviewOptions = { days: number; timeZone: string; currency: string };

/** The dashboard's question for a request's query: the route and the page's opening question build it alike (one key). */
export const dashboardParams = (query: { days: number }, store: StoreView): OverviewOptions => ({
  days: query.days,
  timeZone: store.timeZone,
  currency: store.currency,
});

export const dashboardOverview = storedQuestion('dashboard', computeOverview, (store) => dashboardParams(dashboardQuery.parse({}), store));

async function computeOverview(db: Db, opts: OverviewOptions, now: Date): Promise<Omit<DashboardBody, 'asOf'>> {
  const since = new Date(now.getTime() - opts.days * 86_400_000);
  const recent = new Date(now.getTime() - 30 * 86_400_000);
  const tz = opts.timeZone;
  const [customers, buyers, monthly, byChannel] = await Promise.all([
    sql<{ customers: number; new_customers: number }>`
      select count(*)::int as customers, count(*) filter (where created_at >= ${recent})::int as new_customers
      from customers where merged_into is null`.execute(db),
    // Totals and repeat buyers in one pass over the paid orders.
    sql<{ buyers: number; repeaters: number; orders: number; revenue: number }>`
      select count(*)::int as buyers, count(*) filter (where n >= 2)::int as repeaters,
             coalesce(sum(n), 0)::int as orders, coalesce(sum(revenue), 0)::bigint as revenue
      from (select customer_id, count(*) as n, sum(total_amount - refunded_amount) as revenue
            from orders where paid_at is not null group by customer_id) b`.execute(db),
    sql<{ month: string; orders: number; revenue: number; buyers: number }>`
      select to_char(date_trunc('month', paid_at at time zone ${tz}), 'YYYY-MM') as month,
             count(*)::int as orders, sum(total_amount - refunded_amount)::bigint as revenue,
             count(distinct customer_id)::int as buyers
      from orders where paid_at is not null and paid_at >= ${since}
      group by 1 order by 1`.execute(db),
    sql<{ channel: string; name: string; orders: number; revenue: number }>`
      select c.code as channel, c.name, count(o.id)::int as orders,
             coalesce(sum(o.total_amount - o.refunded_amount), 0)::bigint as revenue
      from channels c left join orders o on o.channel_id = c.id and o.paid_at is not null and o.paid_at >= ${since}
      group by c.id order by revenue desc`.execute(db),
  ]);
  const c = customers.rows[0];
  const b = buyers.rows[0];
  return {
    currency: opts.currency,
    customers: c.customers,
    buyers: b.buyers,
    newCustomers30d: c.new_customers,
    orders: b.orders,
    revenue: Number(b.revenue),
    averageOrderValue: b.orders > 0 ? Math.round(Number(b.revenue) / b.orders) : 0,
    repeatPurchaseRate: b.buyers > 0 ? b.repeaters / b.buyers : 0,
    monthly: monthly.rows.map((r) => ({ ...r, revenue: Number(r.revenue) })),
    byChannel: byChannel.rows.map((r) => ({ ...r, revenue: Number(r.revenue) })),
  };
}
