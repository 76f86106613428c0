import { sql } from 'kysely';
import type { Scorecard } from '../../../contracts/analytics.ts';
import type { Db } from '../../db/index.ts';

type Range = { from: string; to: string; timeZone: string; currency: string; smsPricePerPart: number };

/**
 * Each sales channel side by side over a period (001 §6.1.3): its buyers (new and returning), orders, net revenue and
 * share, average order value, repeat rate; returns of its orders; the CSAT and NPS its buyers gave; their service
 * contacts per order; what messaging them cost. A buyer of two channels counts in both (the overlap says how many).
 */
export async function scorecardOf(db: Db, r: Range): Promise<Scorecard> {
  const start = sql`(${r.from}::date::timestamp at time zone ${r.timeZone})`;
  const end = sql`((${r.to}::date + 1)::timestamp at time zone ${r.timeZone})`;
  const rows = await sql<{
    code: string;
    name: string;
    customers: number;
    new_customers: number;
    repeat_customers: number;
    orders: number;
    revenue: number;
    multi: number;
    sold: number;
    returned: number;
    csat: number | null;
    promoters: number;
    detractors: number;
    answers: number;
    tickets: number;
    messages: number;
    sms_parts: number;
  }>`
    with paid as (
      select o.id, o.customer_id, o.channel_id, o.total_amount - o.refunded_amount as net
      from orders o where o.placed_at >= ${start} and o.placed_at < ${end} and o.paid_at is not null and o.status <> 'cancelled'),
    buyers as (
      select channel_id, customer_id, count(*) as n from paid group by 1, 2),
    firsts as (
      select customer_id, min(placed_at) as first_at from orders where paid_at is not null and customer_id in (select customer_id from buyers) group by 1),
    per_channel as (
      select b.channel_id, count(*)::int as customers,
        count(*) filter (where f.first_at >= ${start})::int as new_customers,
        count(*) filter (where f.first_at < ${start})::int as repeat_customers,
        count(*) filter (where b.n >= 2)::int as multi
      from buyers b join firsts f on f.customer_id = b.customer_id group by 1),
    sales as (select channel_id, count(*)::int as orders, coalesce(sum(net), 0)::bigint as revenue from paid group by 1),
    units as (
      select p.channel_id, sum(i.quantity)::int as sold from paid p join order_items i on i.order_id = p.id group by 1),
    back as (
      select p.channel_id, sum(case when r.state in ('rejected', 'cancelled') then 0 else coalesce(l.accepted_quantity, l.quantity) end)::int as returned
      from paid p join return_requests r on r.order_id = p.id join return_lines l on l.return_id = r.id group by 1),
    csat as (
      select b.channel_id, avg(f.rating)::float as csat from buyers b join feedback_requests f on f.customer_id = b.customer_id
      where f.answered_at >= ${start} and f.answered_at < ${end} and f.rating is not null group by 1),
    nps as (
      select b.channel_id, count(*) filter (where s.nps >= 9)::int as promoters, count(*) filter (where s.nps <= 6)::int as detractors, count(*)::int as answers
      from buyers b join survey_responses s on s.customer_id = b.customer_id
      where s.updated_at >= ${start} and s.updated_at < ${end} and s.nps is not null group by 1),
    contacts as (
      select b.channel_id, count(*)::int as tickets from buyers b join tickets t on t.customer_id = b.customer_id
      where t.created_at >= ${start} and t.created_at < ${end} and t.merged_into is null group by 1),
    sent as (
      select b.channel_id, count(*)::int as messages, coalesce(sum(m.parts) filter (where m.channel = 'sms'), 0)::int as sms_parts
      from buyers b join messages m on m.customer_id = b.customer_id
      where m.sent_at >= ${start} and m.sent_at < ${end} group by 1)
    select ch.code, ch.name, pc.customers, pc.new_customers, pc.repeat_customers, s.orders, s.revenue, pc.multi,
      coalesce(u.sold, 0) as sold, coalesce(bk.returned, 0) as returned, c.csat,
      coalesce(n.promoters, 0) as promoters, coalesce(n.detractors, 0) as detractors, coalesce(n.answers, 0) as answers,
      coalesce(ct.tickets, 0) as tickets, coalesce(se.messages, 0) as messages, coalesce(se.sms_parts, 0) as sms_parts
    from per_channel pc join channels ch on ch.id = pc.channel_id join sales s on s.channel_id = pc.channel_id
      left join units u on u.channel_id = pc.channel_id left join back bk on bk.channel_id = pc.channel_id
      left join csat c on c.channel_id = pc.channel_id left join nps n on n.channel_id = pc.channel_id
      left join contacts ct on ct.channel_id = pc.channel_id left join sent se on se.channel_id = pc.channel_id
    order by s.revenue desc`.execute(db);
  const overlap = await sql<{ a: string; b: string; customers: number }>`
    with buyers as (
      select distinct o.customer_id, ch.code from orders o join channels ch on ch.id = o.channel_id
      where o.placed_at >= ${start} and o.placed_at < ${end} and o.paid_at is not null and o.status <> 'cancelled')
    select x.code as a, y.code as b, count(*)::int as customers from buyers x join buyers y on y.customer_id = x.customer_id and x.code < y.code
    group by 1, 2 order by 3 desc limit 50`.execute(db);
  const total = rows.rows.reduce((s, x) => s + Number(x.revenue), 0);
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0);
  return {
    currency: r.currency,
    channels: rows.rows.map((x) => ({
      channel: x.code,
      name: x.name,
      customers: Number(x.customers),
      newCustomers: Number(x.new_customers),
      repeatCustomers: Number(x.repeat_customers),
      orders: Number(x.orders),
      revenue: Number(x.revenue),
      revenueShare: ratio(Number(x.revenue), total),
      averageOrderValue: Number(x.orders) ? Math.round(Number(x.revenue) / Number(x.orders)) : 0,
      repeatRate: ratio(Number(x.multi), Number(x.customers)),
      returnRate: ratio(Number(x.returned), Number(x.sold)),
      csat: x.csat === null ? null : Math.round(Number(x.csat) * 100) / 100,
      nps: Number(x.answers) ? Math.round(((Number(x.promoters) - Number(x.detractors)) / Number(x.answers)) * 1000) / 10 : null,
      contactsPerOrder: ratio(Number(x.tickets), Number(x.orders)),
      messages: Number(x.messages),
      messagingCost: Math.round(Number(x.sms_parts) * r.smsPricePerPart * 100) / 100,
    })),
    overlap: overlap.rows.map((o) => ({ a: o.a, b: o.b, customers: Number(o.customers) })),
  };
}
