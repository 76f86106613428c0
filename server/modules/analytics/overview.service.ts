import { sql } from 'kysely';
import type { DashboardBody } from '../../../contracts/dashboard.ts';
import type { Db } from '../../db/index.ts';
import { sharedResult } from '../../platform/shared-result.ts';

/**
 * Dashboard figures. Read side: joins customers, orders and channels (allowed in analytics).
 * "Paid" means paid_at is set; revenue is net of refunds, in minor units.
 */
type OverviewOptions = { days: number; now: Date; timeZone: string; currency: string };

/** Headline figures scan every order: computed at most once a minute per question and shared by every viewer. */
const overviews = new WeakMap<Db, ReturnType<typeof sharedResult<DashboardBody>>>();

export function dashboardOverview(db: Db, opts: OverviewOptions): Promise<DashboardBody> {
  let shared = overviews.get(db);
  if (!shared) {
    shared = sharedResult<DashboardBody>(60_000);
    overviews.set(db, shared);
  }
  return shared(`${opts.days}|${opts.timeZone}|${opts.currency}`, opts.now.getTime(), () => computeOverview(db, opts));
}

async function computeOverview(db: Db, opts: OverviewOptions): Promise<DashboardBody> {
  const since = new Date(opts.now.getTime() - opts.days * 86_400_000);
  const recent = new Date(opts.now.getTime() - 30 * 86_400_000);
  const tz = opts.timeZone;
  const [totals, buyers, monthly, byChannel] = await Promise.all([
    sql<{ customers: number; new_customers: number; orders: number; revenue: number }>`
      select (select count(*)::int from customers where merged_into is null) as customers,
             (select count(*)::int from customers where merged_into is null and created_at >= ${recent}) as new_customers,
             count(*)::int as orders,
             coalesce(sum(total_amount - refunded_amount), 0)::bigint as revenue
      from orders where paid_at is not null`.execute(db),
    sql<{ buyers: number; repeaters: number }>`
      select count(*)::int as buyers, count(*) filter (where n >= 2)::int as repeaters
      from (select customer_id, count(*) as n from orders where paid_at is not null group by customer_id) b`.execute(db),
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
  const t = totals.rows[0];
  const b = buyers.rows[0];
  return {
    asOf: opts.now.toISOString(),
    currency: opts.currency,
    customers: t.customers,
    buyers: b.buyers,
    newCustomers30d: t.new_customers,
    orders: t.orders,
    revenue: Number(t.revenue),
    averageOrderValue: t.orders > 0 ? Math.round(Number(t.revenue) / t.orders) : 0,
    repeatPurchaseRate: b.buyers > 0 ? b.repeaters / b.buyers : 0,
    monthly: monthly.rows.map((r) => ({ ...r, revenue: Number(r.revenue) })),
    byChannel: byChannel.rows.map((r) => ({ ...r, revenue: Number(r.revenue) })),
  };
}
