import { type RawBuilder, sql } from 'kysely';
import { type Db, applyAnalyticalSettings } from '../../db/index.ts';
import { todayIn } from '../../platform/clock.ts';
import { type ClvFit, type ClvScope, type Summary, PERIOD_DAYS, clvSummaries, predict, scopeFilter, windowEnd } from './clv.service.ts';
import { rfmGroup } from './rfm.service.ts';
import { DEFAULT_RFM_WINDOW_DAYS, HORIZON_DAYS, type Models } from './models.service.ts';

/**
 * Stored customer metrics (read side: joins orders, order_items, products, events, customers). One code path
 * serves the incremental refresh (ids from customer_changes) and the full recompute (id ranges): an upsert of
 * the aggregates, RFM scores from stored breakpoints and the lifecycle stage in SQL, then predictions in TS.
 */

function scoreExpr(value: RawBuilder<unknown>, breaks: number[]) {
  if (breaks.length === 0) return sql`null::smallint`;
  const terms = breaks.map((b) => (Number.isFinite(b) ? sql`(${value} > ${b})::int` : sql`1`));
  return sql`case when ${value} is null then null else (1 + ${sql.join(terms, sql` + `)})::smallint end`;
}

export type RefreshContext = { now: Date; timeZone: string; models: Models };

/** rfmGroup as a lookup SQL can index: element (r − 1) × 5 + f. */
const RFM_GROUP_LOOKUP = Array.from({ length: 25 }, (_, i) => rfmGroup(Math.floor(i / 5) + 1, (i % 5) + 1));

/** CLV predictions of the customers with calibration summaries, column by column for an `unnest`. */
function predictionColumns(summaries: readonly Summary[], fit: ClvFit | null, asOf: string) {
  const cols = {
    id: [] as number[],
    alive: [] as number[],
    purchases: [] as number[],
    value: [] as number[],
    clv: [] as number[],
    next: [] as (string | null)[],
  };
  if (!fit) return cols;
  const periodMs = PERIOD_DAYS[fit.period] * 86_400_000;
  const horizon = HORIZON_DAYS / PERIOD_DAYS[fit.period];
  const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
  for (const s of summaries) {
    const p = predict(fit, s, horizon);
    cols.id.push(s.customerId);
    cols.alive.push(p.pAlive);
    cols.purchases.push(p.expectedPurchases);
    cols.value.push(p.expectedAvgValue);
    cols.clv.push(p.clv);
    cols.next.push(p.periodsToNextOrder != null ? new Date(asOfMs + p.periodsToNextOrder * periodMs).toISOString() : null);
  }
  return cols;
}

/**
 * Recomputes the metrics and predictions of the customers in scope in one upsert (one write per row);
 * merged-away customers lose their row. `summaries` are the scope's CLV summaries when the caller has them
 * (the full recompute built them for the fit); otherwise they are read here.
 */
export async function refreshMetrics(db: Db, scope: ClvScope, ctx: RefreshContext, summaries?: readonly Summary[]): Promise<number> {
  const { models, now, timeZone } = ctx;
  const asOf = todayIn(timeZone, now);
  const rfm = models.rfm ?? { asOf, windowDays: DEFAULT_RFM_WINDOW_DAYS, r: [], f: [], m: [] };
  const end = windowEnd(asOf, timeZone);
  const windowStart = sql`${end} - make_interval(days => ${rfm.windowDays})`;
  const lc = models.lifecycle;
  const scoped = scopeFilter(scope);
  const fit = models.clv;
  const p = predictionColumns(
    fit ? (summaries ?? (await clvSummaries(db, { until: asOf, period: fit.period, timeZone, scope }))) : [],
    fit,
    asOf,
  );
  // The scope is named on orders and order_items themselves (index ranges, not scans joined to a CTE the planner
  // cannot see into: at 15M items each chunk read them all), the last-seen time is one index probe per customer.
  await applyAnalyticalSettings(db);
  await sql`delete from customer_metrics m using customers c where c.id = m.customer_id and c.merged_into is not null and ${scoped}`.execute(
    db,
  );
  const result = await sql`
    with scope as (select c.id from customers c where c.merged_into is null and ${scoped}),
    paid as (
      select o.customer_id, o.id, o.channel_id, o.paid_at, o.total_amount - o.refunded_amount as net
      from orders o join scope s on s.id = o.customer_id
      where ${scopeFilter(scope, sql`o.customer_id`)} and o.paid_at is not null and o.status <> 'cancelled' and o.paid_at < ${end}
    ), agg as (
      select customer_id, count(*)::int as orders_count, sum(net)::bigint as net_spent, min(paid_at) as first_order_at,
        max(paid_at) as last_order_at, array_agg(distinct channel_id) as channel_ids,
        (count(*) filter (where paid_at >= ${windowStart}))::int as rfm_frequency,
        sum(net) filter (where paid_at >= ${windowStart})::bigint as rfm_monetary
      from paid group by customer_id
    ), unlinked as (
      -- Refunds of purchases Patron never saw (returns in an imported file whose sale predates it): deducted from net spend.
      select r.customer_id, sum(r.amount)::bigint as amount, sum(r.amount) filter (where r.refunded_at >= ${windowStart})::bigint as window_amount
      from refunds r join scope s on s.id = r.customer_id
      where r.order_id is null and r.refunded_at < ${end} group by r.customer_id
    ), items as (
      select p.customer_id, count(distinct i.product_id)::int as distinct_products, count(distinct pr.category)::int as distinct_categories
      from paid p join order_items i on i.order_id = p.id left join products pr on pr.id = i.product_id
      where ${scopeFilter(scope, sql`i.customer_id`)} group by p.customer_id
    ), predicted as (
      select * from unnest(${p.id}::bigint[], ${p.alive}::float8[], ${p.purchases}::float8[], ${p.value}::float8[], ${p.clv}::float8[],
        ${p.next}::timestamptz[]) as u(customer_id, alive, purchases, value, clv, next)
    ), calc as (
      select s.id as customer_id, a.orders_count, a.net_spent - coalesce(un.amount, 0) as net_spent, a.first_order_at, a.last_order_at, a.channel_ids,
        a.rfm_frequency, a.rfm_monetary - coalesce(un.window_amount, 0) as rfm_monetary, i.distinct_products, i.distinct_categories,
        (select max(e.occurred_at) from events e where e.customer_id = s.id) as last_seen_at,
        floor(extract(epoch from (${end} - a.last_order_at)) / 86400)::int as recency_days,
        pr.alive, pr.purchases, pr.value, pr.clv, pr.next
      from scope s left join agg a on a.customer_id = s.id left join unlinked un on un.customer_id = s.id left join items i on i.customer_id = s.id
        left join predicted pr on pr.customer_id = s.id
    ), scored as (
      select *,
        case when rfm_frequency > 0 then ${scoreExpr(sql`-recency_days`, rfm.r)} end as rfm_r,
        case when rfm_frequency > 0 then ${scoreExpr(sql`rfm_frequency`, rfm.f)} end as rfm_f,
        case when rfm_frequency > 0 then ${scoreExpr(sql`rfm_monetary`, rfm.m)} end as rfm_m
      from calc
    )
    insert into customer_metrics (customer_id, orders_count, net_spent, first_order_at, last_order_at, avg_order_value, avg_days_between,
      distinct_products, distinct_categories, channel_ids, last_seen_at, lifecycle_stage, recency_days, rfm_frequency, rfm_monetary,
      rfm_r, rfm_f, rfm_m, rfm_group, p_alive, churn_probability, expected_purchases, expected_avg_value, clv, next_order_at, computed_at)
    select customer_id, coalesce(orders_count, 0), coalesce(net_spent, 0), first_order_at, last_order_at,
      case when orders_count > 0 then round(net_spent::numeric / orders_count)::bigint end,
      case when orders_count > 1 then extract(epoch from (last_order_at - first_order_at)) / 86400 / (orders_count - 1) end,
      coalesce(distinct_products, 0), coalesce(distinct_categories, 0), coalesce(channel_ids, '{}'),
      greatest(last_seen_at, last_order_at),
      case when coalesce(orders_count, 0) = 0 then 'prospect'
           when recency_days <= ${lc.activeDays} then case when orders_count = 1 then 'new' else 'active' end
           when recency_days <= ${lc.atRiskDays} then 'at_risk'
           when recency_days <= ${lc.lapsedDays} then 'lapsed'
           else 'churned' end,
      recency_days, nullif(rfm_frequency, 0), case when rfm_frequency > 0 then rfm_monetary end, rfm_r, rfm_f, rfm_m,
      (${RFM_GROUP_LOOKUP}::text[])[(rfm_r - 1) * 5 + rfm_f], alive, 1 - alive, purchases, value, clv, next, ${now}
    from scored
    on conflict (customer_id) do update set orders_count = excluded.orders_count, net_spent = excluded.net_spent,
      first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, avg_order_value = excluded.avg_order_value,
      avg_days_between = excluded.avg_days_between, distinct_products = excluded.distinct_products,
      distinct_categories = excluded.distinct_categories, channel_ids = excluded.channel_ids, last_seen_at = excluded.last_seen_at,
      lifecycle_stage = excluded.lifecycle_stage, recency_days = excluded.recency_days, rfm_frequency = excluded.rfm_frequency,
      rfm_monetary = excluded.rfm_monetary, rfm_r = excluded.rfm_r, rfm_f = excluded.rfm_f, rfm_m = excluded.rfm_m,
      rfm_group = excluded.rfm_group, p_alive = excluded.p_alive, churn_probability = excluded.churn_probability,
      expected_purchases = excluded.expected_purchases, expected_avg_value = excluded.expected_avg_value, clv = excluded.clv,
      next_order_at = excluded.next_order_at, computed_at = excluded.computed_at`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
