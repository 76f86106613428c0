import { sql } from 'kysely';
import { attributeOrders, runCampaigns } from '../server/modules/campaigns/index.ts';
import { saveTemplate } from '../server/modules/messaging/index.ts';
import type { AppContext } from '../server/platform/context.ts';
import { type Figure, ratio, timed } from './harness.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'bench', ip: null };
const SETTINGS = { emailHours: 120, smsClickHours: 120, smsDeliveredHours: 12, smsPricePerPart: 0.045 };

/**
 * A campaign to a segment of `limit` customers: the start (audience snapshot with a 10% holdout, every outbox row
 * queued) against an `insert … select` of the same number of outbox rows by hand; then a big day's new orders credited
 * to the campaign's messages (its SMS marked delivered an hour before). The run removes what it added.
 */
export async function campaignFigures(ctx: AppContext, limit: number): Promise<Figure[]> {
  const now = new Date();
  await saveTemplate(
    ctx.db,
    {
      key: 'bench-campaign',
      name: 'bench',
      channel: 'sms',
      purpose: 'marketing',
      quietHours: true,
      body: { 'zh-CN': '双十二', en: 'Sale' },
    },
    { timeZone: 'Asia/Shanghai', currency: 'CNY', now, actor: ACTOR },
  );
  const segment = await ctx.db
    .insertInto('segments')
    .values({ name: `bench campaign ${now.getTime()}`, kind: 'static', status: 'ready', created_by: 'bench', updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`insert into segment_members (segment_id, customer_id, entered_at)
    select ${segment.id}, id, ${now} from customers where merged_into is null and erased_at is null order by id limit ${limit}`.execute(
    ctx.db,
  );
  const definition = {
    name: 'bench',
    audience: { segments: [Number(segment.id)], exclude: [], notContactedDays: null },
    channel: 'sms',
    variants: [{ email: null, sms: 'bench-campaign', delayMinutes: 0 }],
    schedule: { mode: 'now' },
    throttlePerMinute: null,
    holdoutPercent: 10,
    test: null,
  };
  const campaign = await ctx.db
    .insertInto('campaigns')
    .values({ name: 'bench', status: 'scheduled', send_at: now, definition: JSON.stringify(definition), created_by: 'bench' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const source = `campaign:${campaign.id}`;
  const startMs = await timed(() => runCampaigns({ ...ctx, clock: { now: () => now } }));
  const queued = Number(
    (await sql<{ n: number }>`select count(*)::int as n from messages where source = ${source}`.execute(ctx.db)).rows[0].n,
  );
  const referenceMs = await timed(() =>
    sql`insert into messages (key, customer_id, channel, purpose, template_key, variables, source)
      select 'bench-ref:' || customer_id, customer_id, 'sms', 'marketing', 'bench-campaign', '{}', 'bench-ref'
      from segment_members where segment_id = ${segment.id} limit ${queued}`.execute(ctx.db),
  );
  await sql`delete from messages where source = 'bench-ref'`.execute(ctx.db);

  // A big day's new orders (1% of the store's orders, as on 双十一), bought by recipients within 11 hours of the
  // campaign's SMS being delivered: inserted as new orders arrive (new ids), then credited in one statement.
  const total = Number((await sql<{ n: number }>`select count(*)::int as n from orders`.execute(ctx.db)).rows[0].n);
  const dayOrders = Math.max(100, Math.round(total / 100));
  const sentAt = new Date(now.getTime() - 3_600_000);
  await sql`update messages set status = 'delivered', sent_at = ${sentAt} where source = ${source}`.execute(ctx.db);
  const before = Number((await sql<{ id: number }>`select coalesce(max(id), 0) as id from orders`.execute(ctx.db)).rows[0].id);
  // The recipients sent to, numbered once (an `offset` per order read on average half of them: hours at L).
  const inserted = await sql`
    with r as (select customer_id, row_number() over (order by customer_id) - 1 as n from campaign_recipients
      where campaign_id = ${campaign.id} and arm <> 'control')
    insert into orders (customer_id, channel_id, external_id, status, currency, total_amount, discount_amount, shipping_amount,
      refunded_amount, coupon_codes, placed_at, paid_at, created_at, updated_at)
    select r.customer_id, (select min(id) from channels), 'bench-attribution-' || g || '-' || r.customer_id, 'paid', 'CNY', 19900, 0, 0, 0, '{}',
      p.at, p.at, p.at, p.at
    from generate_series(1, ${dayOrders}) g
    join r on r.n = (g * 7919) % ${queued}
    cross join lateral (select ${sentAt}::timestamptz + (g % 660) * interval '1 minute' as at) p`.execute(ctx.db);
  const after = Number((await sql<{ id: number }>`select max(id) as id from orders`.execute(ctx.db)).rows[0].id);
  let credited = 0;
  const attributionMs = await timed(async () => {
    credited = await attributeOrders(ctx.db, { after: before, upTo: after }, SETTINGS);
  });
  await sql`delete from domain_events where key like 'order.%' and (payload->>'orderId')::bigint > ${before}`.execute(ctx.db);
  await sql`delete from orders where id > ${before} and external_id like 'bench-attribution-%'`.execute(ctx.db);

  await sql`delete from messages where source = ${source}`.execute(ctx.db);
  await sql`delete from campaigns where id = ${campaign.id}`.execute(ctx.db);
  await sql`delete from segment_members where segment_id = ${segment.id}`.execute(ctx.db);
  await sql`delete from segments where id = ${segment.id}`.execute(ctx.db);
  await sql`delete from message_templates where key = 'bench-campaign'`.execute(ctx.db);
  return [
    {
      name: 'campaign start (snapshot + outbox)',
      figure: Math.round(startMs / 100) / 10,
      unit: 's',
      reference: Math.round(referenceMs / 100) / 10,
      referenceUnit: 's (insert … select of the same outbox rows by hand)',
      ratio: ratio(startMs, referenceMs),
      target: '1,000,000 members snapshotted and queued in < 60 s at L',
      note: `${limit} members: ${limit - queued} held out, ${queued} messages queued in one transaction`,
    },
    {
      name: 'attribution of a day’s orders',
      figure: Math.round(attributionMs / 100) / 10,
      unit: 's',
      reference: 10,
      referenceUnit: 's target',
      ratio: ratio(attributionMs / 1000, 10),
      target: '< 10 s at L',
      note: `${Number(inserted.numAffectedRows ?? 0)} new orders (1% of ${total}, a big day) by recipients within 11 hours of their SMS being delivered; ${credited} credited, one statement`,
    },
  ];
}
