import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { loadOrders } from '../commerce/index.ts';
import { loadEvents } from '../events/index.ts';
import type { DemoWorld } from './generate.ts';

/** One buyer's purchases: who buys when is drawn in node (a sequential process); what each order holds is set-based. */
export type PurchasePlan = { customerId: number; homeChannelId: number; favourite: string[]; times: Date[]; firstSeq: number };

/**
 * A uniform draw in [0, 1) that is a function of the store's seed and a key: `hashint8extended` of the key, its low
 * 53 bits as a fraction. The same seed and keys give the same store however PostgreSQL orders or splits the work.
 * Keys: an order's draws are seq × 64 + 0…8, its line n's (1–3) k = seq × 64 + 8 + 8n, + 0…7.
 */
function draw(seed: number, key: string, slot: number): RawBuilder<number> {
  return sql.raw(`((hashint8extended(${key} + ${slot}, ${seed}) & 9007199254740991)::float8 / 9007199254740992.0)`);
}

/**
 * Orders, their items and the shop's tracked events for a batch of buyers, generated inside the database in three
 * temporary tables (dropped at commit) and stored through commerce's and events' bulk loaders. An order: its channel
 * (80% the buyer's own, else by the channels' weights), one to three lines (70% from the buyer's favourite
 * categories), 双十一 and 618 promotions with their coupon, shipping free offline and from ¥99, and a lifecycle by
 * age (cancelled, awaiting payment, paid, shipped, delivered, refunded in whole or part, completed). An online
 * order's events: one or two product views per line in the ten hours before, an add to cart, and the completed
 * order once paid. Returns how many orders and events were stored.
 */
export async function generateHistory(trx: Db, world: DemoWorld, plans: readonly PurchasePlan[]) {
  const { seed } = world;
  if (!Number.isSafeInteger(seed)) throw new Error('the demo seed must be an integer');
  const order = (slot: number) => draw(seed, 'seq * 64', slot);
  const line = (slot: number) => draw(seed, 'k', slot);
  const totalWeight = world.channels.reduce((s, c) => s + c.weight, 0);
  let cumulative = 0;
  const channels = world.channels.map((c) => {
    const lo = cumulative / totalWeight;
    cumulative += c.weight;
    return { id: c.id, code: c.code, offline: c.offline, lo, hi: cumulative / totalWeight };
  });
  const categories = [...world.productsByCategory.keys()];
  const products = [...world.productsByCategory.values()].flatMap((list) =>
    list.map((p, idx) => ({ id: p.id, sku: p.sku, name: p.name, category: p.category, price: p.price, idx, n: list.length })),
  );
  const input = plans.map((p) => ({
    c: p.customerId,
    h: p.homeChannelId,
    f: p.favourite,
    s: p.firstSeq,
    t: p.times.map((t) => t.getTime()),
  }));

  // The temporary tables have no statistics: planned as millions of rows, every statement would be JIT-compiled
  // (~0.3 s each, more than some of them take).
  await sql`set local jit = off`.execute(trx);
  await sql`
    create temporary table demo_plan on commit drop as
    with p as (
      select p.c as customer_id, p.h as home, p.f as fav, p.s + x.k - 1 as seq, to_timestamp(x.t / 1000.0) as placed_at
      from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as p(c bigint, h int, f text[], s bigint, t float8[])
        cross join lateral unnest(p.t) with ordinality as x(t, k)
    ), c as (
      select p.*, case when ${order(0)} < 0.8 then null else ${order(1)} end as pick,
        1 + (${order(2)} < 0.35)::int + (${order(3)} < 0.1)::int as lines
      from p
    )
    select c.seq, c.customer_id, c.placed_at, c.fav, c.lines, ch.id as channel_id, ch.code, ch.offline
    from c join jsonb_to_recordset(${JSON.stringify(channels)}::jsonb) as ch(id int, code text, offline boolean, lo float8, hi float8)
      on (c.pick is null and ch.id = c.home) or (c.pick >= ch.lo and c.pick < ch.hi)`.execute(trx);

  await sql`
    create temporary table demo_items on commit drop as
    with l as (
      select o.seq, o.customer_id, o.fav, o.placed_at, o.offline, g as line, o.seq * 64 + 8 + g * 8 as k
      from demo_plan o cross join generate_series(1, o.lines) g
    ), c as (
      select l.*, case when ${line(0)} < 0.7 then l.fav[1 + floor(${line(1)} * cardinality(l.fav))::int]
        else (${categories}::text[])[1 + floor(${line(1)} * ${categories.length})::int] end as category
      from l
    )
    select c.seq, c.customer_id, c.line, c.k, c.placed_at, c.offline, pr.id as product_id, pr.sku, pr.name, pr.price as unit_price,
      case when ${line(2)} < 0.85 then 1 else 2 + (${line(3)} < 0.5)::int end as quantity,
      1 + (${line(5)} < 0.5)::int as views
    from c join jsonb_to_recordset(${JSON.stringify(products)}::jsonb)
        as pr(id bigint, sku text, name text, category text, price bigint, idx int, n int)
      on pr.category = c.category and pr.idx = floor(${line(4)} * pr.n)::int`.execute(trx);

  const day = (d: number) => sql`p.placed_at + ${d * 86_400} * interval '1 second'`;
  await sql`
    create temporary table demo_orders on commit drop as
    with t as (
      select seq, sum(unit_price * quantity) as subtotal, min(unit_price) filter (where line = 1) as first_price,
        jsonb_agg(jsonb_build_object('sku', sku, 'name', name, 'price', (unit_price / 100.0)::float8, 'quantity', quantity)) as products
      from (select * from demo_items order by seq, line) i -- in line order: cheaper than a sort per order (an ordered aggregate)
      group by seq
    ), o as (
      select p.*, t.subtotal, t.first_price, t.products, date_part('epoch', ${world.asOf}::timestamptz - p.placed_at) / 86400 as age,
        case when d.md between 1101 and 1111 then 'DOUBLE11-' || d.y when d.md between 601 and 618 then '618-' || d.y end as promo
      from demo_plan p join t using (seq)
        cross join lateral (select p.placed_at at time zone 'UTC' as utc) u
        cross join lateral (select date_part('month', u.utc) * 100 + date_part('day', u.utc) as md, date_part('year', u.utc)::int as y) d
    ), d as (
      select o.*,
        case when promo is not null then round(subtotal * (0.1 + ${order(4)} * 0.1))::bigint
          when ${order(5)} < 0.15 then 1000 else 0 end as discount,
        case when offline or subtotal >= 9900 then 0 else 1000 end as shipping,
        case when ${order(6)} < 0.04 then 'cancelled'
          when age < 1 and ${order(7)} < 0.3 then 'pending_payment'
          when age < 1.5 then 'paid'
          when age < 4 then 'shipped'
          when ${order(8)} < 0.05 then 'refunded'
          when ${order(8)} < 0.08 then 'partially_refunded'
          when age < 10 then 'delivered'
          else 'completed' end as status
      from o
    ), p as (select d.*, greatest(0, subtotal - discount + shipping) as total from d)
    select p.seq as key, p.customer_id, p.channel_id, upper(p.code) || ${String(seed)} || lpad(p.seq::text, 9, '0') as external_id,
      p.status, 'CNY' as currency, p.total as total_amount, p.discount as discount_amount, p.shipping as shipping_amount,
      case p.status when 'refunded' then p.total when 'partially_refunded' then least(p.total, p.first_price) else 0 end as refunded_amount,
      case when p.promo is not null and p.discount > 0 then array[p.promo] else '{}'::text[] end as coupon_codes,
      p.placed_at,
      case when p.status not in ('cancelled', 'pending_payment') then ${day(0.003)} end as paid_at,
      case when p.status not in ('cancelled', 'pending_payment', 'paid') then ${day(1)} end as shipped_at,
      case when p.status not in ('cancelled', 'pending_payment', 'paid', 'shipped') then ${day(3)} end as delivered_at,
      case when p.status = 'completed' then ${day(10)} end as completed_at,
      case when p.status = 'cancelled' then ${day(0.02)} end as cancelled_at,
      p.offline, p.products
    from p`.execute(trx);

  const orders = await loadOrders(
    trx,
    sql`select key, customer_id, channel_id, external_id, status, currency, total_amount, discount_amount, shipping_amount,
      refunded_amount, coupon_codes, placed_at, paid_at, shipped_at, delivered_at, completed_at, cancelled_at from demo_orders`,
    sql`select seq as key, customer_id, product_id, sku, name, quantity, unit_price from demo_items`,
  );
  const events = await loadEvents(
    trx,
    sql`
      select e.customer_id, e.name, e.properties, e.occurred_at, e.occurred_at + interval '0.6 seconds' as received_at
      from (
        select i.customer_id, 'Product Viewed' as name,
          jsonb_build_object('sku', i.sku, 'name', i.name, 'price', (i.unit_price / 100.0)::float8) as properties,
          i.placed_at - (10 + floor(${draw(seed, 'i.k + v', 5)} * 591)) * interval '1 minute' as occurred_at
        from demo_items i cross join generate_series(1, i.views) v
        where not i.offline
        union all
        select o.customer_id, 'Product Added', o.products -> 0, o.placed_at - interval '5 minutes'
        from demo_orders o
        where not o.offline
        union all
        select o.customer_id, 'Order Completed',
          jsonb_build_object('order_id', o.external_id, 'total', (o.total_amount / 100.0)::float8, 'currency', o.currency, 'products', o.products),
          o.placed_at
        from demo_orders o
        where not o.offline and o.paid_at is not null
      ) e`,
  );
  return { orders, events };
}
