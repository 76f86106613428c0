import { sql } from 'kysely';
import type { AttributionSettings } from '../../../contracts/campaigns.ts';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { attributionSettingsOf } from './campaigns.service.ts';

const CURSOR = 'orders';
const CHUNK = 50_000;

/**
 * Credits the orders with ids in (after, upTo] to campaigns, in one statement: each order to the last campaign touch
 * before it was placed — a click (e-mail or SMS) or a human open (e-mail) within their windows, or an SMS handed
 * over within its delivered window and since reported delivered. An order is credited once (its id is the key).
 */
export async function attributeOrders(db: Db, range: { after: number; upTo: number }, s: AttributionSettings): Promise<number> {
  const r = await sql`
    insert into campaign_attributions (order_id, customer_id, campaign_id, message_id, touch, touched_at, placed_at)
    select o.id, o.customer_id, t.campaign_id, t.message_id, t.touch, t.at, o.placed_at
    from orders o
    cross join lateral (
      select * from (
        select substr(m.source, 10)::bigint as campaign_id, m.id as message_id,
          case e.name when 'Message Clicked' then 'click' else 'open' end as touch, e.occurred_at as at
        from events e join messages m on m.id = (e.properties->>'messageId')::bigint
        where e.customer_id = o.customer_id and e.name in ('Message Clicked', 'Message Opened')
          and e.occurred_at <= o.placed_at
          and e.occurred_at >= o.placed_at - make_interval(hours => ${s.emailHours}::int)
          and coalesce((e.properties->>'machine')::boolean, false) = false
          and m.source like 'campaign:%'
          and (m.channel = 'email' or (e.name = 'Message Clicked' and e.occurred_at >= o.placed_at - make_interval(hours => ${s.smsClickHours}::int)))
        union all
        select substr(m.source, 10)::bigint, m.id, 'delivered', m.sent_at
        from messages m
        where m.customer_id = o.customer_id and m.channel = 'sms' and m.status = 'delivered' and m.source like 'campaign:%'
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
    const campaignsSent = await sql`select 1 from messages where source >= 'campaign:' and source < 'campaign;' limit 1`.execute(trx);
    const credited = campaignsSent.rows.length === 0 ? 0 : await attributeOrders(trx, { after, upTo }, settings);
    await trx.updateTable('campaign_cursors').set({ position: upTo }).where('name', '=', CURSOR).execute();
    return Math.max(credited, 1);
  });
}
