import { sql } from 'kysely';
import { attributeOrders, runCampaigns } from '../server/modules/campaigns/index.ts';
import { saveTemplate } from '../server/modules/messaging/index.ts';
import type { AppContext } from '../server/platform/context.ts';
import { type Figure, ratio, timed } from './harness.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'bench', ip: null };
const SETTINGS = { emailHours: 120, smsClickHours: 120, smsDeliveredHours: 12, smsPricePerPart: 0.045 };

/**
 * A campaign to a segment of `limit` customers: the start (audience snapshot with a 10% holdout, every outbox row
 * queued) against an `insert … select` of the same number of outbox rows by hand; then a day's orders credited to
 * campaign messages (the campaign's SMS marked delivered the evening before). The run removes what it added.
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

  // A day's orders: those placed in the newest day of the store's history, the campaign's SMS delivered before it.
  const day = (
    await sql<{ start: Date; after: number; up_to: number; n: number }>`
      with d as (select max(placed_at) - interval '1 day' as start from orders)
      select d.start, min(o.id) - 1 as after, max(o.id) as up_to, count(*)::int as n from orders o, d where o.placed_at > d.start group by d.start`.execute(
      ctx.db,
    )
  ).rows[0];
  await sql`update messages set status = 'delivered', sent_at = ${day.start}::timestamptz - interval '1 hour' where source = ${source}`.execute(
    ctx.db,
  );
  let credited = 0;
  const attributionMs = await timed(async () => {
    credited = await attributeOrders(ctx.db, { after: Number(day.after), upTo: Number(day.up_to) }, SETTINGS);
  });
  const inRange = Number(
    (await sql<{ n: number }>`select count(*)::int as n from orders where id > ${day.after} and id <= ${day.up_to}`.execute(ctx.db)).rows[0]
      .n,
  );

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
      note: `${inRange} orders read (${day.n} placed in the newest day), ${credited} credited to the campaign's delivered SMS; one statement`,
    },
  ];
}
