import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { consume, type LedgerContext } from './ledger.ts';
import { expirySql } from './programme.ts';

/**
 * Points for orders, set-based over a batch of order ids: what each order should have earned now (its net paid —
 * refunds deducted, nothing once cancelled — at the earn rate, times the member's tier, the channel's, the dates' and
 * the category mix's multipliers), compared with what its entries already hold. A first computation writes the
 * `earn` lot (pending for the programme's period, so a refunded order's points are never spendable); a lower figure
 * later writes a `clawback` taking the difference out of that lot first and then out of the person's other points.
 * Each write is unique by its source (order id, and for a clawback the figure it corrects), so recomputing an order —
 * a retried delivery, a resent file — changes nothing.
 */
function targetsSql(orderIds: readonly number[], c: LedgerContext): RawBuilder<unknown> {
  const s = c.settings;
  const rules = JSON.stringify(s.multipliers);
  const tiers = JSON.stringify(s.tiers.map((t) => ({ key: t.key, multiplier: t.multiplier })));
  const hasCategories = s.multipliers.some((m) => m.kind === 'category');
  const categoryMix = hasCategories
    ? sql`coalesce((
        select sum(i.amount * coalesce((select max(r.factor) from rules r where r.kind = 'category' and r.value = p.category), 1))
          / nullif(sum(i.amount), 0)
        from order_items i left join products p on p.id = i.product_id where i.order_id = o.id), 1)`
    : sql`1`;
  return sql`
    rules as (select * from jsonb_to_recordset(${rules}::jsonb) as r(kind text, value text, "from" date, "to" date, factor numeric)),
    tiers as (select * from jsonb_to_recordset(${tiers}::jsonb) as t(key text, multiplier numeric)),
    o as (
      select o.id, o.customer_id, coalesce(o.paid_at, o.placed_at) as paid_at, ch.code as channel, m.tier,
        case when o.paid_at is not null and o.status <> 'cancelled' then greatest(o.total_amount - o.refunded_amount, 0) else 0 end as net
      from orders o
      join loyalty_members m on m.customer_id = o.customer_id and m.status = 'active'
      join channels ch on ch.id = o.channel_id
      where o.id = any(${orderIds as number[]}::bigint[]) and coalesce(o.paid_at, o.placed_at) >= m.joined_at
    ),
    target as (
      select o.id, o.customer_id, o.paid_at,
        floor(o.net / 100.0 * ${s.pointsPerUnit}::numeric
          * coalesce((select t.multiplier from tiers t where t.key = o.tier), 1)
          * coalesce((select max(r.factor) from rules r where r.kind = 'channel' and r.value = o.channel), 1)
          * coalesce((select max(r.factor) from rules r where r.kind = 'dates'
              and (o.paid_at at time zone ${c.timeZone})::date between coalesce(r."from", '-infinity'::date) and coalesce(r."to", 'infinity'::date)), 1)
          * ${categoryMix})::int as pts
      from o
    ),
    earned as (
      select l.order_id, sum(l.points)::int as pts, bool_or(l.kind = 'earn') as has_lot
      from loyalty_ledger l where l.order_id = any(${orderIds as number[]}::bigint[]) and l.kind in ('earn', 'clawback') group by 1
    )`;
}

export type AwardResult = { earned: number; clawedBack: number; customers: number[] };

export async function awardOrders(trx: Db, orderIds: readonly number[], c: LedgerContext): Promise<AwardResult> {
  if (orderIds.length === 0) return { earned: 0, clawedBack: 0, customers: [] };
  const pending = sql`(t.paid_at + make_interval(days => ${c.settings.pendingDays}::int))`;
  const firstOrder = c.settings.bonuses.firstOrder;
  const earned = await sql<{ customer_id: number }>`
    with ${targetsSql(orderIds, c)},
    lots as (
      insert into loyalty_ledger (customer_id, kind, source, points, remaining, available_at, expires_at, order_id)
      select t.customer_id, 'earn', 'order:' || t.id, t.pts, t.pts, ${pending}, ${expirySql(c.settings, c.timeZone, pending)}, t.id
      from target t left join earned e on e.order_id = t.id
      where t.pts > 0 and e.order_id is null
      on conflict (source) do nothing
      returning customer_id, order_id, available_at
    ), bonus as (
      -- The first order a member earns on brings the first-order bonus, pending with it.
      insert into loyalty_ledger (customer_id, kind, source, points, remaining, available_at, expires_at, order_id, reason)
      select distinct on (lots.customer_id) lots.customer_id, 'bonus', 'bonus:first_order:' || lots.customer_id, ${firstOrder}::int,
        ${firstOrder}::int, lots.available_at, ${expirySql(c.settings, c.timeZone, sql`lots.available_at`)}, null, 'first_order'
      from lots where ${firstOrder}::int > 0
      order by lots.customer_id, lots.order_id
      on conflict (source) do nothing
    )
    select customer_id from lots`.execute(trx);
  const claws = await sql<{ customer_id: number; rest: number; d: number }>`
    with ${targetsSql(orderIds, c)},
    claw as (
      insert into loyalty_ledger (customer_id, kind, source, points, remaining, available_at, order_id)
      select t.customer_id, 'clawback', 'order:' || t.id || ':clawback:' || e.pts, t.pts - e.pts, 0, ${c.now}, t.id
      from target t join earned e on e.order_id = t.id
      where e.pts > t.pts
      on conflict (source) do nothing
      returning customer_id, order_id, -points as d
    ), lot as (
      select claw.order_id, claw.d, l.id, l.remaining from claw join loyalty_ledger l on l.order_id = claw.order_id and l.kind = 'earn'
    ), taken as (
      update loyalty_ledger l set remaining = l.remaining - least(lot.remaining, lot.d) from lot where l.id = lot.id returning 1
    )
    select claw.customer_id, claw.d - coalesce(lot.remaining, 0) as rest, claw.d
    from claw left join lot on lot.order_id = claw.order_id`.execute(trx);
  // What the order's own lot no longer held (its points were spent) comes out of the person's other points.
  for (const r of claws.rows) if (r.rest > 0) await consume(trx, Number(r.customer_id), r.rest, c.now);
  const customers = [...new Set([...earned.rows, ...claws.rows].map((r) => Number(r.customer_id)))];
  return { earned: earned.rows.length, clawedBack: claws.rows.length, customers };
}

/**
 * Under the `first_paid_order` rule, the people of these orders who are not members yet join on their first paid
 * order (the 开卡 date is when it was paid). Returns who joined.
 */
export async function joinByOrders(trx: Db, orderIds: readonly number[], prefix: string): Promise<number[]> {
  const r = await sql<{ customer_id: number }>`
    insert into loyalty_members (customer_id, member_no, joined_at, source)
    select f.customer_id, ${prefix} || lpad(nextval('loyalty_member_no_seq')::text, 8, '0'), f.paid_at, 'first_paid_order'
    from (
      select o.customer_id, min(o.paid_at) as paid_at from orders o
      join customers c on c.id = o.customer_id and c.merged_into is null and c.erased_at is null
      where o.id = any(${orderIds as number[]}::bigint[]) and o.paid_at is not null and o.status <> 'cancelled'
      group by 1
    ) f
    where not exists (select 1 from loyalty_members m where m.customer_id = f.customer_id)
    order by f.customer_id
    on conflict (customer_id) do nothing
    returning customer_id`.execute(trx);
  return r.rows.map((x) => Number(x.customer_id));
}
