import { sql } from 'kysely';
import type { DashboardBody } from '../../../contracts/dashboard.ts';
import type { Db } from '../../db/index.ts';
import { sharedResult } from '../../platform/shared-result.ts';

/**
 * Dashboard figures. Read side: joins customers, orders and channels (allowed in analytics).
 * "Paid" means paid_at is set; revenue is net of refunds, in minor units.
 *
 * The figures scan every paid order, so a viewer never waits for them: each question (period, time zone,
 * currency) is answered from its stored snapshot, and a snapshot older than a minute is served while a new
 * one is computed in the background. Only a question never asked before is computed while the viewer waits.
 */
type OverviewOptions = { days: number; now: Date; timeZone: string; currency: string };

/** A snapshot younger than this is served as it is. */
const FRESH_MS = 60_000;

/** One computation per question at a time in this process, shared by every viewer asking it. */
const computations = new WeakMap<Db, ReturnType<typeof sharedResult<DashboardBody>>>();

const keyOf = (opts: Omit<OverviewOptions, 'now'>) => `${opts.days}|${opts.timeZone}|${opts.currency}`;

export async function dashboardOverview(db: Db, opts: OverviewOptions, onRefreshFailed: (err: unknown) => void): Promise<DashboardBody> {
  const stored = await db.selectFrom('dashboard_snapshots').select(['body', 'computed_at']).where('key', '=', keyOf(opts)).executeTakeFirst();
  if (stored && opts.now.getTime() - stored.computed_at.getTime() < FRESH_MS) return stored.body as DashboardBody;
  const fresh = refreshDashboard(db, opts);
  if (!stored) return fresh;
  fresh.catch(onRefreshFailed);
  return stored.body as DashboardBody;
}

/** Computes one question's figures now and stores them as its snapshot. */
export function refreshDashboard(db: Db, opts: OverviewOptions): Promise<DashboardBody> {
  let shared = computations.get(db);
  if (!shared) {
    shared = sharedResult<DashboardBody>(FRESH_MS);
    computations.set(db, shared);
  }
  const key = keyOf(opts);
  return shared(key, opts.now.getTime(), async () => {
    const t0 = performance.now();
    const body = await computeOverview(db, opts);
    const row = { key, body: JSON.stringify(body), computed_at: opts.now, compute_ms: Math.round(performance.now() - t0) };
    await db
      .insertInto('dashboard_snapshots')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ body: row.body, computed_at: row.computed_at, compute_ms: row.compute_ms }))
      .execute();
    return body;
  });
}

/**
 * Recomputes every question asked in the store's current time zone and currency (the nightly recompute keeps
 * them warm) and forgets the others.
 */
export async function refreshDashboards(db: Db, opts: { now: Date; timeZone: string; currency: string }): Promise<number> {
  const stored = await db.selectFrom('dashboard_snapshots').select('key').execute();
  let refreshed = 0;
  for (const { key } of stored) {
    const days = Number(key.split('|')[0]);
    if (key !== keyOf({ ...opts, days })) {
      await db.deleteFrom('dashboard_snapshots').where('key', '=', key).execute();
      continue;
    }
    await refreshDashboard(db, { ...opts, days });
    refreshed++;
  }
  return refreshed;
}

async function computeOverview(db: Db, opts: OverviewOptions): Promise<DashboardBody> {
  const since = new Date(opts.now.getTime() - opts.days * 86_400_000);
  const recent = new Date(opts.now.getTime() - 30 * 86_400_000);
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
    asOf: opts.now.toISOString(),
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
