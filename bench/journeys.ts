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

/** A pass of the runner as the benchmark saw it: the instant it took as "now" (its log lines' time) and when it ended. */
type Pass = { at: number; end: number };

/**
 * The journey runner driven as its poller drives it (again at once while it finds work, else after its idle time),
 * each pass's start (its clock, the time its log lines carry) and end recorded, until `done` says so after a pass
 * that found nothing.
 */
async function driveRunner(ctx: AppContext, done: () => boolean | Promise<boolean>): Promise<Pass[]> {
  const idleMs = patronComposition.pollers.find((p) => p.name === 'journeys-advance')?.idleMs ?? ctx.config.changesIntervalMs;
  const passes: Pass[] = [];
  for (;;) {
    let at = 0;
    const taken = await advanceDue({
      ...ctx,
      clock: {
        // The pass's clock: read once at its start, and again (the same instant) by what the pass calls.
        now: () => {
          if (at === 0) at = Date.now();
          return new Date(at);
        },
      },
    });
    if (taken > 0) passes.push({ at, end: Date.now() });
    else if (await done()) return passes;
    else await new Promise((resolve) => setTimeout(resolve, idleMs));
  }
}

/** p50, p99 and max of a list of milliseconds. */
function spread(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0, runs: sorted.length };
}

/** How late each run took its `step`: the end of the pass whose clock its log line carries, minus its due time. */
async function lateness(ctx: AppContext, journeyId: number, step: string, due: (runId: number, startedAt: Date) => number, passes: Pass[]) {
  const endOf = new Map(passes.map((p) => [p.at, p.end]));
  const lines = await sql<{ run_id: number; at: Date; started_at: Date }>`
    select s.run_id, s.at, r.started_at from journey_run_steps s join journey_runs r on r.id = s.run_id
    where r.journey_id = ${journeyId} and s.step = ${step} and s.type = 'message'`.execute(ctx.db);
  return lines.rows.map((l) => Math.max(0, (endOf.get(l.at.getTime()) ?? l.at.getTime()) - due(Number(l.run_id), l.started_at)));
}

/** A journey of the given steps, switched on (published as version 1). */
async function benchJourney(ctx: AppContext, key: string, definition: Record<string, unknown>): Promise<number> {
  const journey = await ctx.db
    .insertInto('journeys')
    .values({ key, name: key, status: 'active', version: 1, definition: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('journey_versions')
    .values({ journey_id: journey.id, version: 1, definition: JSON.stringify(definition), published_by: 'bench' })
    .execute();
  return Number(journey.id);
}

/** Runs of another journey due one after another while the burst goes through: one every 50 ms over a minute. */
const TRICKLE = { runs: 1_200, everyMs: 50 };

/**
 * Many people entering one journey at once: a segment of `limit` customers is computed (its `segment.entered`
 * events written) and a journey on that segment is switched on; the dispatcher and the journey runner then work side
 * by side as in one worker, and the clock runs until the last entrant is through the first step (a message queued).
 * Meanwhile another journey's runs fall due one every 50 ms: how late the runner starts them under that load. Then every
 * burst run reaches its next message after a wait, all due at the same instant (the wait counts from the entry):
 * how long the runner takes to start them all. The run removes its journeys, runs, messages, segment and events.
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
  const burst = await benchJourney(ctx, `bench-${now.getTime()}`, {
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
  });
  const other = await benchJourney(ctx, `bench-other-${now.getTime()}`, {
    trigger: { type: 'manual' },
    entryRules: null,
    reentry: { policy: 'every' },
    goal: null,
    start: 'remind',
    steps: [{ id: 'remind', type: 'message', template: 'bench-journey', next: null }],
  });
  // The burst fills these from (nearly) empty: autovacuum would analyze them within its naptime.
  const autoanalyze = await emulateAutoanalyze(ctx.db, ['event_deliveries', 'journey_runs', 'journey_run_steps', 'messages']);
  const trickleIds = ids.slice(0, TRICKLE.runs);
  const t0 = Date.now();
  // Started (and due) one every 50 ms from the start of the burst, so a run's due time is its start.
  await sql`insert into journey_runs (journey_id, version, customer_id, trigger_key, step, due_at, context, started_at)
    select ${other}, 1, c.id, 'bench:' || c.n, 'remind', t.at, '{}'::jsonb, t.at
    from unnest(${trickleIds}::bigint[]) with ordinality c(id, n)
    cross join lateral (select ${new Date(t0).toISOString()}::timestamptz + (c.n - 1) * ${TRICKLE.everyMs} * interval '1 millisecond' as at) t`.execute(
    ctx.db,
  );
  // As many as there are people (500 at smoke scale): the last falls due well before the burst's wait ends.
  const trickleEnd = t0 + trickleIds.length * TRICKLE.everyMs;
  let dispatched = false;
  const [dispatchMs, entryPasses] = await Promise.all([
    timed(async () => {
      while ((await dispatchEvents(ctx, journeysOnly)) > 0);
      dispatched = true;
    }),
    driveRunner(ctx, () => dispatched && Date.now() > trickleEnd),
  ]);
  const entered = await lateness(ctx, burst, 'hello', () => t0, entryPasses);
  const runs = entered.length;
  const entryMs = Math.max(...entered);
  const trickle = spread(await lateness(ctx, other, 'remind', (_, startedAt) => startedAt.getTime(), entryPasses));
  // Every burst run's second message, all due at the same instant.
  const due = (
    await sql<{ due_at: Date }>`select min(due_at) as due_at from journey_runs where journey_id = ${burst} and status = 'waiting'`.execute(
      ctx.db,
    )
  ).rows[0].due_at;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (due?.getTime() ?? 0) - Date.now())));
  // Until none is left waiting (a timer may fire a millisecond before the due time).
  const drainPasses = await driveRunner(
    ctx,
    async () =>
      (
        await sql<{ n: number }>`select count(*)::int as n from journey_runs where journey_id = ${burst} and status = 'waiting'`.execute(
          ctx.db,
        )
      ).rows[0].n === 0,
  );
  // On a slow machine the wait can end before the entry and the trickle do: the runner then took the second messages
  // as it went, and there is no instant left to time them from.
  const drain = due ? spread(await lateness(ctx, burst, 'again', () => due.getTime(), drainPasses)) : null;
  await autoanalyze.stop();
  // Leave nothing behind.
  for (const journey of [burst, other]) {
    await sql`delete from messages where source = ${`journey:${journey}`}`.execute(ctx.db);
    await sql`delete from journeys where id = ${journey}`.execute(ctx.db);
  }
  await sql`delete from domain_events where type = 'segment.entered' and (payload->>'segmentId')::bigint = ${segment.id}`.execute(ctx.db);
  await sql`delete from segment_membership_history where segment_id = ${segment.id}`.execute(ctx.db);
  await sql`delete from segment_members where segment_id = ${segment.id}`.execute(ctx.db);
  await sql`delete from segment_sizes where segment_id = ${segment.id}`.execute(ctx.db);
  await sql`delete from segments where id = ${segment.id}`.execute(ctx.db);
  await sql`delete from message_templates where key = 'bench-journey'`.execute(ctx.db);
  const perSecond = Math.round((runs / entryMs) * 1000);
  const analyzed = autoanalyze.emulated ? '; autovacuum off on this server: its analyze emulated every minute' : '';
  return [
    {
      name: 'journey entry at once (one worker)',
      figure: perSecond,
      unit: 'people/s',
      reference: Math.round(100_000 / 60),
      referenceUnit: 'people/s (100,000 in 60 s, the L target)',
      ratio: ratio(perSecond, Math.round(100_000 / 60)),
      target: '100,000 through the first step in < 60 s at L',
      note: `${ids.length} entered a segment at once; ${runs} runs through their first step (a message queued) ${(entryMs / 1000).toFixed(1)} s after the start, the dispatcher and the runner side by side (the dispatcher's deliveries took ${(dispatchMs / 1000).toFixed(1)} s)${analyzed}`,
    },
    {
      name: 'scheduled step start lag p99 under the burst (one worker)',
      figure: trickle.p99,
      unit: 'ms',
      reference: 5000,
      referenceUnit: 'ms (the target)',
      ratio: ratio(5000, Math.max(1, trickle.p99)),
      target: 'p99 < 5 s under 100,000 entering at once at L',
      note: `${trickle.runs} runs of another journey due one every ${TRICKLE.everyMs} ms from the start of the burst; lateness from the due time to the end of the pass that took the run: p50 ${trickle.p50} ms, p99 ${trickle.p99} ms, max ${trickle.max} ms`,
    },
    {
      name: 'runs due at the same instant, all started (one worker)',
      figure: drain?.max ?? Number.NaN,
      unit: 'ms',
      reference: null,
      referenceUnit: '—',
      ratio: null,
      note: drain
        ? `${drain.runs} burst runs at their second message after a ${waitMinutes(ids.length)}-minute wait counted from the entry, so all due at once: p50 ${drain.p50} ms, p99 ${drain.p99} ms after the due time (${Math.round((drain.runs / Math.max(1, drain.max)) * 1000)} runs/s)`
        : `not measured: the ${waitMinutes(ids.length)}-minute wait ended before the entry and the other journey's runs were through, so the runner took the second messages as they fell due`,
    },
  ];
}
