import { sql } from 'kysely';
import type { AttributionSettings } from '../../../contracts/campaigns.ts';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { attributionSettingsOf } from './campaigns.service.ts';
import { NET_PAID } from './report.ts';

const CURSOR = 'orders';
const CHUNK = 50_000;

/** The marketing messages credited with orders: a campaign's (`campaign:<id>`) and a journey's (`journey:<id>`). */
const CREDITED = sql`(m.source like 'campaign:%' or m.source like 'journey:%')`;

/**
 * Credits the orders with ids in (after, upTo] to campaigns and journeys, in one statement: each order to the last
 * touch before it was placed — a click (e-mail or SMS) or a human open (e-mail) within their windows, or an SMS handed
 * over within its delivered window and since reported delivered. An order is credited once (its id is the key).
 */
export async function attributeOrders(db: Db, range: { after: number; upTo: number }, s: AttributionSettings): Promise<number> {
  const r = await sql`
    insert into campaign_attributions (order_id, customer_id, campaign_id, journey_id, message_id, touch, touched_at, placed_at)
    select o.id, o.customer_id,
      case when t.source like 'campaign:%' then split_part(t.source, ':', 2)::bigint end,
      case when t.source like 'journey:%' then split_part(t.source, ':', 2)::bigint end,
      t.message_id, t.touch, t.at, o.placed_at
    from orders o
    cross join lateral (
      select * from (
        select m.source, m.id as message_id,
          case e.name when 'Message Clicked' then 'click' else 'open' end as touch, e.occurred_at as at
        from events e join messages m on m.id = (e.properties->>'messageId')::bigint
        where e.customer_id = o.customer_id and e.name in ('Message Clicked', 'Message Opened')
          and e.occurred_at <= o.placed_at
          and e.occurred_at >= o.placed_at - make_interval(hours => ${s.emailHours}::int)
          and coalesce((e.properties->>'machine')::boolean, false) = false
          and ${CREDITED}
          and (m.channel = 'email' or (e.name = 'Message Clicked' and e.occurred_at >= o.placed_at - make_interval(hours => ${s.smsClickHours}::int)))
        union all
        select m.source, m.id, 'delivered', m.sent_at
        from messages m
        where m.customer_id = o.customer_id and m.channel = 'sms' and m.status = 'delivered' and ${CREDITED}
          and m.sent_at <= o.placed_at and m.sent_at >= o.placed_at - make_interval(hours => ${s.smsDeliveredHours}::int)
      ) touches order by at desc, message_id desc limit 1
    ) t
    where o.id > ${range.after} and o.id <= ${range.upTo}
    on conflict (order_id) do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * The attribution poller: credits new orders in id order, a chunk at a time, moving its cursor in the same
 * transaction. Orders arriving with an earlier placing time (imports, late webhooks) are credited by that time.
 */
export async function attributeNew(ctx: AppContext): Promise<number> {
  const settings = await attributionSettingsOf(ctx.db);
  return ctx.db.transaction().execute(async (trx) => {
    await sql`insert into campaign_cursors (name, position) values (${CURSOR}, 0) on conflict do nothing`.execute(trx);
    const cursor = await trx
      .selectFrom('campaign_cursors')
      .select('position')
      .where('name', '=', CURSOR)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!cursor) return 0;
    const after = Number(cursor.position);
    const last = await sql<{
      id: number | null;
    }>`select max(id) as id from (select id from orders where id > ${after} order by id limit ${CHUNK}) x`.execute(trx);
    const upTo = last.rows[0]?.id === null || last.rows[0]?.id === undefined ? null : Number(last.rows[0].id);
    if (upTo === null) return 0;
    // LIKE, not a range: a range's bounds ('campaign:' … 'campaign;') hold only in the C collation (en_US ignores the
    // punctuation and excludes every campaign); in a C database LIKE's prefix uses the source index as well.
    const touched = await sql`select 1 from messages where source like 'campaign:%' or source like 'journey:%' limit 1`.execute(trx);
    const credited = touched.rows.length === 0 ? 0 : await attributeOrders(trx, { after, upTo }, settings);
    await trx.updateTable('campaign_cursors').set({ position: upTo }).where('name', '=', CURSOR).execute();
    return Math.max(credited, 1);
  });
}

export type JourneyEarnings = {
  /** People a message of the journey was sent to, and those of them with an order credited to it. */
  reached: number;
  converted: number;
  orders: number;
  /** Net paid (refunds deducted), minor units. */
  revenue: number;
  /** The same per message step (the step id from the message's key, `journey:<run>:<step>`). */
  steps: Record<string, { sent: number; orders: number; revenue: number }>;
};

/** What a journey's messages earned, credited by the same last-touch attribution as campaigns'. */
export async function journeyEarnings(db: Db, journeyId: number): Promise<JourneyEarnings> {
  const { rows } = await sql<{ step: string | null; sent: number; reached: number; converted: number; orders: number; revenue: string }>`
    with sent as (
      select m.id, m.customer_id, regexp_replace(m.key, '^journey:[0-9]+:', '') as step
      from messages m where m.source = ${`journey:${journeyId}`} and m.sent_at is not null
    ), att as (
      select a.message_id, count(*)::int as orders, coalesce(sum(${NET_PAID}), 0)::bigint as revenue
      from campaign_attributions a join orders o on o.id = a.order_id where a.journey_id = ${journeyId} group by 1
    )
    select s.step, count(*)::int as sent, count(distinct s.customer_id)::int as reached,
      count(distinct s.customer_id) filter (where att.orders > 0)::int as converted,
      coalesce(sum(att.orders), 0)::int as orders, coalesce(sum(att.revenue), 0)::bigint as revenue
    from sent s left join att on att.message_id = s.id
    group by rollup (s.step)`.execute(db);
  const total = rows.find((r) => r.step === null);
  return {
    reached: total?.reached ?? 0,
    converted: total?.converted ?? 0,
    orders: total?.orders ?? 0,
    revenue: Number(total?.revenue ?? 0),
    steps: Object.fromEntries(
      rows.filter((r) => r.step !== null).map((r) => [r.step as string, { sent: r.sent, orders: r.orders, revenue: Number(r.revenue) }]),
    ),
  };
}
