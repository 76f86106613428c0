import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';

/**
 * Product association over paid orders in a window (read side: orders, order_items, products). A basket is
 * one order's distinct products. For a rule A → B: support = baskets with both / all baskets;
 * confidence = baskets with both / baskets with A; lift = confidence / (baskets with B / all baskets).
 */
export type AssociationOptions = {
  now: Date;
  windowDays: number;
  minSupport?: number;
  minConfidence?: number;
  productId?: number;
  limit?: number;
};

export async function associationRules(db: Db, opts: AssociationOptions) {
  const rows = await sql<{
    a: number;
    a_name: string;
    b: number;
    b_name: string;
    both: number;
    support: number;
    confidence: number;
    lift: number;
    baskets: number;
  }>`
    with baskets as (
      select distinct i.order_id, i.product_id from order_items i join orders o on o.id = i.order_id
      where o.paid_at is not null and o.status <> 'cancelled' and i.product_id is not null
        and o.placed_at >= ${opts.now}::timestamptz - make_interval(days => ${opts.windowDays}) and o.placed_at < ${opts.now}::timestamptz),
    total as (select count(distinct order_id)::float8 as n from baskets),
    item as (select product_id, count(*)::float8 as cnt from baskets group by 1),
    pairs as (
      select x.product_id as a, y.product_id as b, count(*)::int as both from baskets x join baskets y on x.order_id = y.order_id and x.product_id <> y.product_id
      ${opts.productId ? sql`where x.product_id = ${opts.productId}` : sql``}
      group by 1, 2)
    select p.a, pa.name as a_name, p.b, pb.name as b_name, p.both, p.both / t.n as support, p.both / ia.cnt as confidence,
      (p.both / ia.cnt) / (ib.cnt / t.n) as lift, t.n::int as baskets
    from pairs p cross join total t join item ia on ia.product_id = p.a join item ib on ib.product_id = p.b
      join products pa on pa.id = p.a join products pb on pb.id = p.b
    where p.both / t.n >= ${opts.minSupport ?? 0} and p.both / ia.cnt >= ${opts.minConfidence ?? 0}
    order by lift desc, support desc, p.a, p.b limit ${opts.limit ?? 50}`.execute(db);
  return {
    baskets: rows.rows[0]?.baskets ?? 0,
    rules: rows.rows.map((r) => ({
      from: { id: Number(r.a), name: r.a_name },
      to: { id: Number(r.b), name: r.b_name },
      baskets: r.both,
      support: r.support,
      confidence: r.confidence,
      lift: r.lift,
    })),
  };
}

/**
 * Recommendations for one customer: products bought together with what they bought (item-to-item
 * co-purchase confidence over all customers' orders in the window), each of their purchases weighted by
 * recency (half-life 90 days). What they already bought is left out unless its category is one people
 * buy again (at least 20% of its buyers bought from it more than once).
 */
export async function recommendationsFor(db: Db, customerId: number, opts: { now: Date; windowDays: number; limit?: number }) {
  const rows = await sql<{ id: number; sku: string; name: string; category: string; score: number; because: string[] }>`
    with baskets as (
      select distinct i.order_id, i.product_id from order_items i join orders o on o.id = i.order_id
      where o.paid_at is not null and o.status <> 'cancelled' and i.product_id is not null
        and o.placed_at >= ${opts.now}::timestamptz - make_interval(days => ${opts.windowDays})),
    item as (select product_id, count(*)::float8 as cnt from baskets group by 1),
    mine as (
      select i.product_id, max(exp(-ln(2) * extract(epoch from (${opts.now}::timestamptz - o.placed_at)) / 86400 / 90)) as weight
      from order_items i join orders o on o.id = i.order_id
      where o.customer_id = ${customerId} and o.paid_at is not null and o.status <> 'cancelled' and i.product_id is not null group by 1),
    repeat_categories as (
      select category from (
        select p.category, o.customer_id, count(distinct o.id) as n from orders o join order_items i on i.order_id = o.id join products p on p.id = i.product_id
        where o.paid_at is not null and o.placed_at >= ${opts.now}::timestamptz - make_interval(days => ${opts.windowDays}) group by 1, 2) x
      group by category having avg((n > 1)::int) >= 0.2),
    scored as (
      select y.product_id, sum(m.weight * 1.0 / ia.cnt) as score, array_agg(distinct m.product_id) as sources
      from mine m join baskets x on x.product_id = m.product_id join baskets y on y.order_id = x.order_id and y.product_id <> x.product_id
        join item ia on ia.product_id = m.product_id
      group by y.product_id)
    select p.id, p.sku, p.name, p.category, s.score::float8 as score,
      (select array_agg(q.name order by q.name) from products q where q.id = any(s.sources)) as because
    from scored s join products p on p.id = s.product_id
    where s.product_id not in (select product_id from mine) or p.category in (select category from repeat_categories)
    order by s.score desc, p.id limit ${opts.limit ?? 10}`.execute(db);
  return {
    items: rows.rows.map((r) => ({
      id: Number(r.id),
      sku: r.sku,
      name: r.name,
      category: r.category,
      score: r.score,
      because: r.because ?? [],
    })),
  };
}
