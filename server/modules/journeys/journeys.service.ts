import { sql, type Selectable } from 'kysely';
import type { z } from 'zod';
import type { journeyBody, JourneyDefinition, JourneyTrigger } from '../../../contracts/journeys.ts';
import type { Db, JourneyTable } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { recordAudit } from '../audit/index.ts';
import { journeyEarnings, NET_PAID } from '../campaigns/index.ts';
import { saveTemplate, templateExists } from '../messaging/index.ts';
import { createRefreshedSegment, customersMatching, estimateRules, ruleClockOf } from '../segments/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { journeyErrors, problemsOf } from './definition.ts';
import { dueInLastDays } from './dates.ts';
import { enterJourney } from './enter.ts';
import { LIBRARY } from './library.ts';
import { productAudienceSince } from './products.ts';

type JourneyBody = z.infer<typeof journeyBody>;
type Row = Selectable<JourneyTable>;

async function countsOf(db: Db, ids: readonly number[]) {
  const rows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('journey_runs')
          .select(['journey_id', 'status', sql<number>`count(*)::int`.as('n')])
          .where('journey_id', 'in', [...ids])
          .groupBy(['journey_id', 'status'])
          .execute();
  return (id: number) => {
    const of = (status: string) => rows.find((r) => Number(r.journey_id) === id && r.status === status)?.n ?? 0;
    return { waiting: of('waiting'), completed: of('completed'), exited: of('exited'), failed: of('failed') };
  };
}

const present = (r: Row, counts: ReturnType<Awaited<ReturnType<typeof countsOf>>>) => ({
  id: Number(r.id),
  key: r.key,
  name: r.name,
  description: r.description,
  status: r.status,
  definition: r.definition as JourneyDefinition,
  version: r.version,
  library: r.library,
  counts,
  updatedAt: r.updated_at.toISOString(),
});

export async function listJourneys(db: Db) {
  const rows = await db.selectFrom('journeys').selectAll().orderBy('id').execute();
  const counts = await countsOf(
    db,
    rows.map((r) => Number(r.id)),
  );
  return { items: rows.map((r) => present(r, counts(Number(r.id)))) };
}

async function rowOf(db: Db, id: number): Promise<Row> {
  const row = await db.selectFrom('journeys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw journeyErrors.notFound(id);
  return row;
}

/** Per step: how many runs took it, how many wait to take it next, how many errors it raised (all versions). */
async function stepCounts(db: Db, id: number) {
  const [logged, waiting] = await Promise.all([
    db
      .selectFrom('journey_run_steps as s')
      .innerJoin('journey_runs as r', 'r.id', 's.run_id')
      .select([
        's.step',
        sql<number>`count(*) filter (where s.type not in ('error', 'late', 'goal', 'enter'))::int`.as('taken'),
        sql<number>`count(*) filter (where s.type = 'error')::int`.as('errors'),
      ])
      .where('r.journey_id', '=', id)
      .groupBy('s.step')
      .execute(),
    db
      .selectFrom('journey_runs')
      .select(['step', sql<number>`count(*)::int`.as('n')])
      .where('journey_id', '=', id)
      .where('status', '=', 'waiting')
      .groupBy('step')
      .execute(),
  ]);
  const out: Record<string, { taken: number; waiting: number; errors: number }> = {};
  const at = (step: string) => (out[step] ??= { taken: 0, waiting: 0, errors: 0 });
  for (const l of logged) Object.assign(at(l.step), { taken: l.taken, errors: l.errors });
  for (const w of waiting) if (w.step) at(w.step).waiting = w.n;
  return out;
}

/**
 * The orders a journey's runs were about (the order that let them in: 催付, order care) that were paid after a
 * message of their run was sent — what a reminder won back — and their net paid amount.
 */
async function recovered(db: Db, id: number) {
  const { rows } = await sql<{ orders: number; revenue: string }>`
    select count(*)::int as orders, coalesce(sum(${NET_PAID}), 0)::bigint as revenue
    from journey_runs r join orders o on o.id = (r.context->>'orderId')::bigint
    where r.journey_id = ${id} and o.paid_at is not null
      and exists (
        select 1 from messages m
        where m.customer_id = r.customer_id and m.source = ${`journey:${id}`} and starts_with(m.key, 'journey:' || r.id || ':')
          and m.sent_at <= o.paid_at
      )`.execute(db);
  return { orders: rows[0]?.orders ?? 0, revenue: Number(rows[0]?.revenue ?? 0) };
}

export async function getJourney(db: Db, id: number) {
  const row = await rowOf(db, id);
  const [counts, steps, earned, won] = await Promise.all([
    countsOf(db, [id]),
    stepCounts(db, id),
    journeyEarnings(db, id),
    recovered(db, id),
  ]);
  return { ...present(row, counts(id)), steps, earned: { ...earned, recovered: won } };
}

/** A new journey as a draft (nobody enters until it is activated). */
export async function createJourney(db: Db, body: JourneyBody, actor: Actor, library: string | null = null) {
  const row = await db
    .insertInto('journeys')
    .values({ key: body.key, name: body.name, description: body.description, definition: JSON.stringify(body.definition), library })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) throw journeyErrors.keyTaken(body.key);
  await recordAudit(db, { actor, action: 'journey.create', target: { type: 'journey', id: row.id }, after: body });
  return getJourney(db, Number(row.id));
}

/** Changes the draft; an active journey keeps running its published version until it is activated again. */
export async function updateJourney(db: Db, id: number, body: Omit<JourneyBody, 'key'>, actor: Actor) {
  const before = await rowOf(db, id);
  await db
    .updateTable('journeys')
    .set({ name: body.name, description: body.description, definition: JSON.stringify(body.definition), updated_at: new Date() })
    .where('id', '=', id)
    .execute();
  await recordAudit(db, {
    actor,
    action: 'journey.update',
    target: { type: 'journey', id },
    before: { name: before.name, definition: before.definition },
    after: body,
  });
  return getJourney(db, id);
}

/**
 * Publishes the draft as a new version and switches the journey on: checked first (see `problemsOf`), and the
 * shipped templates its messages use created where the store has none. Runs under way keep their version.
 */
export async function activateJourney(ctx: AppContext, id: number, actor: Actor) {
  const row = await rowOf(ctx.db, id);
  const d = row.definition as JourneyDefinition;
  await installTemplates(ctx, row.library, d, actor);
  const problems = await problemsOf(ctx.db, d, await ruleClockOf(ctx));
  if (problems.length > 0) throw journeyErrors.invalid(problems);
  await ctx.db.transaction().execute(async (trx) => {
    const last = await trx
      .selectFrom('journey_versions')
      .select(sql<number>`coalesce(max(version), 0)::int`.as('v'))
      .where('journey_id', '=', id)
      .executeTakeFirstOrThrow();
    const version = last.v + 1;
    await trx
      .insertInto('journey_versions')
      .values({ journey_id: id, version, definition: JSON.stringify(d), published_by: actor.label })
      .execute();
    await trx.updateTable('journeys').set({ status: 'active', version, updated_at: new Date() }).where('id', '=', id).execute();
    await recordAudit(trx, { actor, action: 'journey.activate', target: { type: 'journey', id }, details: { version } });
  });
  return getJourney(ctx.db, id);
}

/** Stops new entries; runs under way go on (pausing is not cancelling what people were promised). */
export async function pauseJourney(db: Db, id: number, actor: Actor) {
  await rowOf(db, id);
  await db.updateTable('journeys').set({ status: 'paused', updated_at: new Date() }).where('id', '=', id).execute();
  await recordAudit(db, { actor, action: 'journey.pause', target: { type: 'journey', id } });
  return getJourney(db, id);
}

async function installTemplates(ctx: AppContext, library: string | null, d: JourneyDefinition, actor: Actor) {
  const shipped = LIBRARY.find((l) => l.key === library);
  if (!shipped) return;
  const used = d.steps.flatMap((s) => (s.type === 'message' ? [s.template] : []));
  const have = await templateExists(ctx.db, used);
  const store = await storeSettingsOf(ctx);
  for (const t of shipped.templates)
    if (used.includes(t.key) && !have.has(t.key))
      await saveTemplate(ctx.db, t, { actor, timeZone: store.timeZone, currency: store.currency, now: ctx.clock.now() });
}

/**
 * The shipped journeys a store does not have yet become drafts of its own (idempotent); a journey that brings its
 * audience creates that segment once its draft is in.
 */
export async function installLibrary(ctx: AppContext, actor: Actor): Promise<number> {
  let added = 0;
  for (const l of LIBRARY) {
    const row = await ctx.db
      .insertInto('journeys')
      .values({ key: l.key, name: l.name, description: l.description, definition: JSON.stringify(l.definition), library: l.key })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) continue;
    added++;
    await recordAudit(ctx.db, { actor, action: 'journey.create', target: { type: 'journey', id: row.id }, details: { library: l.key } });
    if (l.segment && l.definition.trigger.type === 'segment') {
      const segmentId = await createRefreshedSegment(ctx, ctx.db, { ...l.segment, actor });
      const definition = { ...l.definition, trigger: { ...l.definition.trigger, segmentId } };
      await ctx.db
        .updateTable('journeys')
        .set({ definition: JSON.stringify(definition) })
        .where('id', '=', row.id)
        .execute();
    }
  }
  return added;
}

/** Manual or API entry of chosen people into an active journey, idempotent by `key` per person. */
export async function enterManually(ctx: AppContext, id: number, body: { customerIds: number[]; key: string }) {
  const row = await rowOf(ctx.db, id);
  if (row.status !== 'active' || row.version === null) throw journeyErrors.notActive(id);
  const version = await ctx.db
    .selectFrom('journey_versions')
    .select('definition')
    .where('journey_id', '=', id)
    .where('version', '=', row.version)
    .executeTakeFirstOrThrow();
  const known = await ctx.db
    .selectFrom('customers')
    .select('id')
    .where('id', 'in', body.customerIds)
    .where('merged_into', 'is', null)
    .where('erased_at', 'is', null)
    .execute();
  const now = ctx.clock.now();
  const r = await enterJourney(
    ctx.db,
    { id, version: row.version, definition: version.definition as JourneyDefinition },
    known.map((c) => ({ customerId: Number(c.id), triggerKey: `manual:${body.key}:${c.id}`, context: {}, at: now })),
    { now, rules: () => ruleClockOf(ctx) },
  );
  return { entered: r.entered.length, skipped: body.customerIds.length - r.entered.length };
}

/** Domain event types and payload filters a trigger reacts to (what a dry run replays). */
function eventsOf(t: JourneyTrigger) {
  if (t.type === 'order')
    return {
      type: `order.${t.event}`,
      filter: sql`(e.payload->>'importId') is null and (e.payload->>'totalAmount')::bigint >= ${t.minTotal}
        and (${t.statuses.length === 0} or e.payload->>'status' = any(${t.statuses}::text[]))`,
    };
  if (t.type === 'segment') return { type: `segment.${t.on}`, filter: sql`(e.payload->>'segmentId')::bigint = ${t.segmentId}` };
  return null;
}

/** The people a tracked-event trigger would have let in since `since` (imported history excluded). */
async function trackedSince(db: Db, t: Extract<JourneyTrigger, { type: 'event' }>, since: Date): Promise<number[]> {
  const props = Object.entries(t.properties).map(([k, v]) => sql`coalesce(e.properties->>${k}, '') = ${String(v)}`);
  const people = await sql<{ customer_id: number }>`
    select distinct e.customer_id from events e
    where e.name = ${t.name} and e.occurred_at >= ${since} and e.customer_id is not null and e.import_id is null
      ${props.length > 0 ? sql`and ${sql.join(props, sql` and `)}` : sql``}`.execute(db);
  return people.rows.map((r) => Number(r.customer_id));
}

/** The people a trigger would have let in over the last `days` (before entry rules), or everyone living. */
async function triggeredSince(ctx: AppContext, t: JourneyTrigger, days: number): Promise<number[] | 'everyone'> {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - days * 86_400_000);
  if (t.type === 'event') return trackedSince(ctx.db, t, since);
  if (t.type === 'product') return productAudienceSince(ctx.db, t, since);
  if (t.type === 'date' || t.type === 'holiday') return dueInLastDays(ctx, t, days);
  const events = eventsOf(t);
  if (!events) return [];
  const people = await sql<{ customer_id: number }>`
    select distinct e.customer_id from domain_events e
    where e.type = ${events.type} and e.occurred_at >= ${since} and e.customer_id is not null and ${events.filter}`.execute(ctx.db);
  return people.rows.map((r) => Number(r.customer_id));
}

/**
 * What the draft would have done over the last `days`: the people its trigger would have let in — stored domain
 * events (orders, segments; importing history excluded), tracked events, the dates and holidays of those days — that
 * its entry rules let in now, counted once each. Manual journeys and survey or return triggers: none.
 */
export async function dryRun(ctx: AppContext, id: number, days: number) {
  const row = await rowOf(ctx.db, id);
  const d = row.definition as JourneyDefinition;
  const clock = await ruleClockOf(ctx);
  const people = await triggeredSince(ctx, d.trigger, days);
  if (people === 'everyone') {
    const rules = d.entryRules ?? { type: 'group' as const, op: 'and' as const, children: [] };
    return { days, wouldEnter: (await estimateRules(ctx.db, rules, clock)).count };
  }
  if (!d.entryRules) return { days, wouldEnter: people.length };
  return { days, wouldEnter: (await customersMatching(ctx.db, clock, d.entryRules, people)).size };
}
