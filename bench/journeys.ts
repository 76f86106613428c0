import { sql } from 'kysely';
import { dispatchEvents } from '../server/events/index.ts';
import { patronComposition } from '../server/modules.ts';
import { advanceDue } from '../server/modules/journeys/index.ts';
import { saveTemplate } from '../server/modules/messaging/index.ts';
import { createStaticSegment } from '../server/modules/segments/index.ts';
import type { AppContext } from '../server/platform/context.ts';
import { type Figure, ratio, timed } from './harness.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'bench', ip: null };

/**
 * Many people entering one journey at once: a segment of `limit` customers is computed (its `segment.entered`
 * events written), a journey on that segment is switched on, and the clock runs from the first delivery to the last
 * run through its first step (a message queued in the outbox), as the dispatcher and the journey runner would do it
 * in one worker. The run removes its journey, runs, messages, segment and events.
 */
export async function journeyFigures(ctx: AppContext, limit: number): Promise<Figure[]> {
  const now = new Date();
  const clock = { now, timeZone: 'Asia/Shanghai', fields: ctx.modules.segmentFields };
  const store = { timeZone: 'Asia/Shanghai', currency: 'CNY', now, actor: ACTOR };
  await saveTemplate(
    ctx.db,
    {
      key: 'bench-journey',
      name: 'bench',
      channel: 'sms',
      purpose: 'transactional',
      quietHours: false,
      body: { 'zh-CN': '您好', en: 'Hello' },
    },
    store,
  );
  // Deliveries already waiting (the seeded store's order events) are handed over first, untimed: the figure is the
  // segment's people only.
  const journeysOnly = patronComposition.subscriptions.filter((s) => s.name === 'journeys');
  while ((await dispatchEvents(ctx, journeysOnly)) > 0);
  const ids = (
    await sql<{ id: number }>`select id from customers where merged_into is null and erased_at is null order by id limit ${limit}`.execute(
      ctx.db,
    )
  ).rows.map((r) => Number(r.id));
  // A static segment of them: one `segment.entered` event per person, written with the membership.
  const { segment } = await createStaticSegment(ctx.db, { name: `bench journey ${now.getTime()}`, customerIds: ids, actor: ACTOR, clock });
  const journey = await ctx.db
    .insertInto('journeys')
    .values({
      key: `bench-${now.getTime()}`,
      name: 'bench',
      status: 'active',
      version: 1,
      definition: '{}',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const definition = {
    trigger: { type: 'segment', segmentId: segment.id, on: 'entered' },
    entryRules: null,
    reentry: { policy: 'every' },
    goal: null,
    start: 'hello',
    steps: [{ id: 'hello', type: 'message', template: 'bench-journey', next: null }],
  };
  await ctx.db
    .insertInto('journey_versions')
    .values({ journey_id: journey.id, version: 1, definition: JSON.stringify(definition), published_by: 'bench' })
    .execute();
  const dispatchMs = await timed(async () => {
    while ((await dispatchEvents(ctx, journeysOnly)) > 0);
  });
  const advanceMs = await timed(async () => {
    while ((await advanceDue(ctx)) > 0);
  });
  const runs = Number(
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from journey_runs where journey_id = ${journey.id} and status = 'completed'`.execute(ctx.db)
    ).rows[0].n,
  );
  // Leave nothing behind.
  await sql`delete from messages where source = ${`journey:${journey.id}`}`.execute(ctx.db);
  await sql`delete from journeys where id = ${journey.id}`.execute(ctx.db);
  await sql`delete from domain_events where type = 'segment.entered' and (payload->>'segmentId')::bigint = ${segment.id}`.execute(ctx.db);
  await sql`delete from segment_membership_history where segment_id = ${segment.id}`.execute(ctx.db);
  await sql`delete from segment_members where segment_id = ${segment.id}`.execute(ctx.db);
  await sql`delete from segment_sizes where segment_id = ${segment.id}`.execute(ctx.db);
  await sql`delete from segments where id = ${segment.id}`.execute(ctx.db);
  await sql`delete from message_templates where key = 'bench-journey'`.execute(ctx.db);
  const totalMs = dispatchMs + advanceMs;
  return [
    {
      name: 'journey entry at once (one worker)',
      figure: Math.round((runs / totalMs) * 1000),
      unit: 'people/s',
      reference: Math.round((60 * 1000 * 100_000) / 60_000 / 60),
      referenceUnit: 'people/s (100,000 in 60 s, the L target)',
      ratio: ratio(Math.round((runs / totalMs) * 1000), Math.round(100_000 / 60)),
      target: '100,000 through the first step in < 60 s at L',
      note: `${ids.length} entered a segment at once; ${runs} runs through their first step (a message queued): deliveries ${(dispatchMs / 1000).toFixed(1)} s, first steps ${(advanceMs / 1000).toFixed(1)} s`,
    },
  ];
}
