import { sql } from 'kysely';
import type { ReturnsReport } from '../../../contracts/returns.ts';
import type { Db } from '../../db/index.ts';

/** Units a return holds: what inspection accepted, else what was asked; rejected and withdrawn ones hold none. */
const UNITS = sql`case when r.state in ('rejected', 'cancelled') then 0 else coalesce(l.accepted_quantity, l.quantity) end`;

type Range = { from: Date; to: Date; timeZone: string };

/** The instants a range of the store's days spans (`to` included). */
export async function rangeOf(db: Db, days: { from: string; to: string }, timeZone: string): Promise<Range> {
  const r = await sql<{ f: Date; t: Date }>`
    select (${days.from}::date::timestamp at time zone ${timeZone}) as f, ((${days.to}::date + 1)::timestamp at time zone ${timeZone}) as t`.execute(
    db,
  );
  return { from: r.rows[0].f, to: r.rows[0].t, timeZone };
}

async function productRates(db: Db, r: Range) {
  const rows = await sql<{ sku: string; name: string; sold: number; returned: number }>`
    with sold as (
      select i.sku, max(i.name) as name, sum(i.quantity)::int as sold from order_items i join orders o on o.id = i.order_id
      where o.placed_at >= ${r.from} and o.placed_at < ${r.to} and o.status not in ('cancelled', 'pending_payment')
      group by i.sku),
    back as (
      select l.sku, max(l.name) as name, sum(${UNITS})::int as returned from return_lines l join return_requests r on r.id = l.return_id
      where r.created_at >= ${r.from} and r.created_at < ${r.to} group by l.sku)
    select coalesce(s.sku, b.sku) as sku, coalesce(s.name, b.name) as name, coalesce(s.sold, 0) as sold, coalesce(b.returned, 0) as returned
    from sold s full join back b on b.sku = s.sku
    where coalesce(b.returned, 0) > 0`.execute(db);
  return rows.rows;
}

/**
 * What a shop manager opens on Monday: the return rate of each product and how it moved against the period before,
 * with the reasons behind it; returns and complaints by reason × product × channel × month; refunds; how long returns
 * wait in each state.
 */
export async function returnsReportOf(db: Db, r: Range): Promise<ReturnsReport> {
  const span = r.to.getTime() - r.from.getTime();
  const previous = { ...r, from: new Date(r.from.getTime() - span), to: r.from };
  const month = (col: string) => sql`to_char(${sql.ref(col)} at time zone ${r.timeZone}, 'YYYY-MM')`;
  const [now, before, reasons, causes, complaints, byReason, byChannel, byMonth, refunds, states] = await Promise.all([
    productRates(db, r),
    productRates(db, previous),
    sql<{ sku: string; reason: string; units: number }>`
      select l.sku, r.reason, sum(${UNITS})::int as units from return_lines l join return_requests r on r.id = l.return_id
      where r.created_at >= ${r.from} and r.created_at < ${r.to} group by l.sku, r.reason order by units desc`.execute(db),
    sql<{ reason: string; sku: string | null; channel: string; month: string; count: number }>`
      select r.reason, l.sku, ch.code as channel, ${month('r.created_at')} as month, count(distinct r.id)::int as count
      from return_requests r join orders o on o.id = r.order_id join channels ch on ch.id = o.channel_id
        left join return_lines l on l.return_id = r.id
      where r.created_at >= ${r.from} and r.created_at < ${r.to}
      group by 1, 2, 3, 4 order by count desc limit 500`.execute(db),
    sql<{ reason: string; sku: string | null; channel: string; month: string; count: number }>`
      select k.category as reason, s.sku, t.channel, ${month('t.created_at')} as month, count(distinct t.id)::int as count
      from ticket_complaints k join tickets t on t.id = k.ticket_id
        left join lateral unnest(case when cardinality(k.skus) = 0 then array[null::text] else k.skus end) as s(sku) on true
      where t.created_at >= ${r.from} and t.created_at < ${r.to} and t.merged_into is null
      group by 1, 2, 3, 4 order by count desc limit 500`.execute(db),
    sql<{ reason: string; requests: number; units: number }>`
      select r.reason, count(distinct r.id)::int as requests, coalesce(sum(${UNITS}), 0)::int as units
      from return_requests r left join return_lines l on l.return_id = r.id
      where r.created_at >= ${r.from} and r.created_at < ${r.to} group by r.reason order by requests desc`.execute(db),
    sql<{ channel: string; sold: number; returned: number }>`
      with sold as (
        select o.channel_id, sum(i.quantity)::int as sold from order_items i join orders o on o.id = i.order_id
        where o.placed_at >= ${r.from} and o.placed_at < ${r.to} and o.status not in ('cancelled', 'pending_payment') group by o.channel_id),
      back as (
        select o.channel_id, sum(${UNITS})::int as returned from return_lines l join return_requests r on r.id = l.return_id
          join orders o on o.id = r.order_id
        where r.created_at >= ${r.from} and r.created_at < ${r.to} group by o.channel_id)
      select ch.code as channel, coalesce(s.sold, 0) as sold, coalesce(b.returned, 0) as returned
      from channels ch left join sold s on s.channel_id = ch.id left join back b on b.channel_id = ch.id
      where s.sold is not null or b.returned is not null order by returned desc`.execute(db),
    sql<{ month: string; requests: number; refunded: number }>`
      select ${month('r.created_at')} as month, count(*)::int as requests, coalesce(sum(r.refund_amount), 0)::bigint as refunded
      from return_requests r where r.created_at >= ${r.from} and r.created_at < ${r.to} group by 1 order by 1`.execute(db),
    sql<{ count: number; amount: number; currency: string | null }>`
      select count(*)::int as count, coalesce(sum(amount), 0)::bigint as amount, max(currency) as currency
      from refunds where refunded_at >= ${r.from} and refunded_at < ${r.to}`.execute(db),
    sql<{ state: string; count: number; median: number | null; p90: number | null }>`
      with spells as (
        select e.from_state as state, extract(epoch from e.at - lag(e.at) over (partition by e.return_id order by e.id)) / 3600 as hours, e.at
        from return_events e)
      select state, count(*)::int as count,
        percentile_cont(0.5) within group (order by hours) as median, percentile_cont(0.9) within group (order by hours) as p90
      from spells where state is not null and hours is not null and at >= ${r.from} and at < ${r.to}
      group by state order by state`.execute(db),
  ]);
  const rate = (returned: number, sold: number) => (sold > 0 ? returned / sold : 1);
  const previousBySku = new Map(before.map((p) => [p.sku, rate(p.returned, p.sold)]));
  const reasonsBySku = new Map<string, { reason: string; units: number }[]>();
  for (const x of reasons.rows) reasonsBySku.set(x.sku, [...(reasonsBySku.get(x.sku) ?? []), { reason: x.reason, units: Number(x.units) }]);
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  const products = now
    .map((p) => {
      const current = rate(p.returned, p.sold);
      const prior = previousBySku.get(p.sku) ?? null;
      return {
        sku: p.sku,
        name: p.name,
        sold: Number(p.sold),
        returned: Number(p.returned),
        rate: round(current),
        previousRate: prior === null ? null : round(prior),
        change: prior === null ? null : round(current - prior),
        topReasons: (reasonsBySku.get(p.sku) ?? []).slice(0, 3),
      };
    })
    .sort((a, b) => (b.change ?? b.rate) - (a.change ?? a.rate) || b.returned - a.returned)
    .slice(0, 100);
  return {
    products,
    causes: [
      ...causes.rows.map((c) => ({ kind: 'return' as const, ...c, count: Number(c.count) })),
      ...complaints.rows.map((c) => ({ kind: 'complaint' as const, ...c, count: Number(c.count) })),
    ],
    byReason: byReason.rows.map((x) => ({ reason: x.reason, requests: Number(x.requests), units: Number(x.units) })),
    byChannel: byChannel.rows.map((x) => ({
      channel: x.channel,
      sold: Number(x.sold),
      returned: Number(x.returned),
      rate: round(rate(x.returned, x.sold)),
    })),
    byMonth: byMonth.rows.map((x) => ({ month: x.month, requests: Number(x.requests), refunded: Number(x.refunded) })),
    refunds: {
      count: Number(refunds.rows[0]?.count ?? 0),
      amount: Number(refunds.rows[0]?.amount ?? 0),
      currency: refunds.rows[0]?.currency ?? '',
    },
    timeInState: states.rows.map((s) => ({
      state: s.state,
      count: Number(s.count),
      medianHours: s.median === null ? null : Math.round(Number(s.median) * 10) / 10,
      p90Hours: s.p90 === null ? null : Math.round(Number(s.p90) * 10) / 10,
    })),
  };
}
