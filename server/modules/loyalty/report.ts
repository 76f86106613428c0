import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { availableSql } from './ledger.ts';

/**
 * The programme's figures: members, points held (the liability), earned against spent, expired and clawed back per
 * month over the last year, the tier distribution and its movement, and each coupon template's redemption rate,
 * discount given and the net paid of the orders that used it.
 */
export async function loyaltyReport(db: Db, c: { now: Date; timeZone: string }) {
  const month = (col: string) => sql`to_char(${sql.ref(col)} at time zone ${c.timeZone}, 'YYYY-MM')`;
  const since = sql`(date_trunc('month', ${c.now}::timestamptz at time zone ${c.timeZone}) - interval '11 months') at time zone ${c.timeZone}`;
  const [members, liability, flows, tiers, movement, coupons] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n from loyalty_members where status = 'active'`.execute(db),
    sql<{ available: number; pending: number }>`
      select coalesce(sum(l.remaining) filter (where ${availableSql(c.now)}), 0)::bigint as available,
        coalesce(sum(l.remaining) filter (where l.available_at > ${c.now}), 0)::bigint as pending
      from loyalty_ledger l where l.remaining > 0`.execute(db),
    sql<{ month: string; earned: number; spent: number; expired: number; clawed_back: number }>`
      select ${month('created_at')} as month,
        coalesce(sum(points) filter (where points > 0), 0)::bigint as earned,
        coalesce(-sum(points) filter (where kind = 'redeem' or (kind = 'adjust' and points < 0)), 0)::bigint as spent,
        coalesce(-sum(points) filter (where kind = 'expire'), 0)::bigint as expired,
        coalesce(-sum(points) filter (where kind = 'clawback'), 0)::bigint as clawed_back
      from loyalty_ledger where created_at >= ${since} group by 1 order by 1`.execute(db),
    sql<{ tier: string | null; members: number }>`
      select tier, count(*)::int as members from loyalty_members where status = 'active' group by 1 order by 2 desc`.execute(db),
    sql<{ month: string; up: number; down: number }>`
      select ${month('changed_at')} as month, count(*) filter (where direction = 'up')::int as up,
        count(*) filter (where direction = 'down')::int as down
      from loyalty_tier_changes where changed_at >= ${since} group by 1 order by 1`.execute(db),
    sql<{ template_id: number; name: string; issued: number; redeemed: number; discount: number; revenue: number }>`
      select t.id as template_id, t.name,
        (select count(*) from coupons c where c.template_id = t.id)::int as issued,
        coalesce(r.redeemed, 0)::int as redeemed, coalesce(r.discount, 0)::bigint as discount, coalesce(r.revenue, 0)::bigint as revenue
      from coupon_templates t
      left join lateral (
        select count(*) as redeemed, sum(x.discount) as discount, sum(x.net) as revenue from (
          select r.discount, (select greatest(o.total_amount - o.refunded_amount, 0) from orders o
            where o.external_id = r.order_ref and o.paid_at is not null and (r.customer_id is null or o.customer_id = r.customer_id)
            order by o.id limit 1) as net
          from coupon_redemptions r where r.template_id = t.id and r.undone_at is null
        ) x
      ) r on true
      order by t.id desc`.execute(db),
  ]);
  return {
    members: members.rows[0].n,
    liability: { available: Number(liability.rows[0].available), pending: Number(liability.rows[0].pending) },
    earnBurn: flows.rows.map((r) => ({
      month: r.month,
      earned: Number(r.earned),
      spent: Number(r.spent),
      expired: Number(r.expired),
      clawedBack: Number(r.clawed_back),
    })),
    tiers: tiers.rows,
    movement: movement.rows,
    coupons: coupons.rows.map((r) => ({
      templateId: Number(r.template_id),
      name: r.name,
      issued: r.issued,
      redeemed: r.redeemed,
      rate: r.issued === 0 ? 0 : r.redeemed / r.issued,
      discount: Number(r.discount),
      revenue: Number(r.revenue),
    })),
  };
}
