import { sql } from 'kysely';
import { dispatchEvents } from '../server/events/index.ts';
import { patronComposition } from '../server/modules.ts';
import { advanceDue } from '../server/modules/journeys/index.ts';
import { saveTemplate } from '../server/modules/messaging/index.ts';
import { createStaticSegment } from '../server/modules/segments/index.ts';
import type { AppContext } from '../server/platform/context.ts';
import { type Figure, emulateAutoanalyze, ratio, timed } from './harness.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'bench', ip: null };

/**
 * How long the wait between the two messages lasts: the scheduled step every run reaches at about the same time —
 * after all of them entered (a minute per 25,000 people: entry at a few hundred people a second fits in it).
 */
const waitMinutes = (people: number) => Math.max(1, Math.ceil(people / 25_000));

/**
 * Scheduled steps under load: every run waits at the step after a wait; the runner is driven as its poller drives it
 * (again at once while it finds work, else after the idle interval), and each run's lateness is the end of the pass
 * that took it minus its due time (runs are taken in due order, so the k-th run taken is the k-th due).
 */
async function scheduledLag(ctx: AppContext, journeyId: number): Promise<{ p50: number; p99: number; max: number; runs: number }> {
  const due = (
    await sql<{
      due_at: Date;
    }>`select due_at from journey_runs where journey_id = ${journeyId} and status = 'waiting' order by due_at, id`.execute(ctx.db)
  ).rows.map((r) => r.due_at.getTime());
  if (due.length === 0) return { p50: 0, p99: 0, max: 0, runs: 0 };
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, due[0] - Date.now())));
  const lag: number[] = [];
  while (lag.length < due.length) {
    const taken = await advanceDue(ctx);
    const end = Date.now();
    for (let i = 0; i < taken && lag.length < due.length; i++) lag.push(Math.max(0, end - due[lag.length]));
    if (taken === 0) await new Promise((resolve) => setTimeout(resolve, ctx.config.changesIntervalMs));
  }
  lag.sort((a, b) => a - b);
  const at = (q: number) => lag[Math.min(lag.length - 1, Math.floor(q * lag.length))];
  return { p50: at(0.5), p99: at(0.99), max: lag[lag.length - 1], runs: lag.length };
}

/**
 * Many people entering one journey at once: a segment of `limit` customers is computed (its `segment.entered`
 * events written), a journey on that segment is switched on, and the clock runs from the first delivery to the last
 * run through its first step (a message queued in the outbox), as the dispatcher and the journey runner would do it
 * in one worker. Then every run reaches its next message after a wait of a minute, all due within the time the
 * entry took: how late the runner starts those scheduled steps. The run removes its journey, runs, messages, segment
 * and events.
 */
export async function journeyFigures(ctx: AppContext, limit: number): Promise<Figure[]> {
  // Deliveries already waiting (the seeded store's order events) are handed over first, untimed: the figure is the
  // segment's people only, and their clock starts after it (runs entered late would be run as late ones).
  const journeysOnly = patronComposition.subscriptions.filter((s) => s.name === 'journeys');
  while ((await dispatchEvents(ctx, journeysOnly)) > 0);
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
    steps: [
      { id: 'hello', type: 'message', template: 'bench-journey', next: 'pause' },
      { id: 'pause', type: 'wait', minutes: waitMinutes(ids.length), next: 'again' },
      { id: 'again', type: 'message', template: 'bench-journey', next: null },
    ],
  };
  await ctx.db
    .insertInto('journey_versions')
    .values({ journey_id: journey.id, version: 1, definition: JSON.stringify(definition), published_by: 'bench' })
    .execute();
  // The burst fills these from (nearly) empty: autovacuum would analyze them within its naptime.
  const autoanalyze = await emulateAutoanalyze(ctx.db, ['event_deliveries', 'journey_runs', 'journey_run_steps', 'messages']);
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
      }>`select count(*)::int as n from messages where source = ${`journey:${journey.id}`} and key like '%:hello'`.execute(ctx.db)
    ).rows[0].n,
  );
  const lag = await scheduledLag(ctx, Number(journey.id));
  await autoanalyze.stop();
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
      note: `${ids.length} entered a segment at once; ${runs} runs through their first step (a message queued): deliveries ${(dispatchMs / 1000).toFixed(1)} s, first steps ${(advanceMs / 1000).toFixed(1)} s${
        autoanalyze.emulated ? '; autovacuum off on this server: its analyze emulated every minute' : ''
      }`,
    },
    {
      name: 'scheduled step start lag p99 (one worker)',
      figure: lag.p99,
      unit: 'ms',
      reference: 5000,
      referenceUnit: 'ms (the target)',
      ratio: ratio(5000, Math.max(1, lag.p99)),
      target: 'p99 < 5 s under 100,000 entering at once at L',
      note: `${lag.runs} runs due within ${(totalMs / 1000).toFixed(1)} s of each other after a ${waitMinutes(ids.length)}-minute wait; lateness from the due time to the end of the pass that took the run: p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms (poller idle interval ${ctx.config.changesIntervalMs} ms)`,
    },
  ];
}
