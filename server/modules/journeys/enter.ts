import { sql } from 'kysely';
import type { JourneyDefinition } from '../../../contracts/journeys.ts';
import type { Db } from '../../db/index.ts';
import { customersMatching, type ruleClockOf } from '../segments/index.ts';

export type Entrant = {
  customerId: number;
  /** Unique per journey: the same key enters once (a domain event's key, an API call's key and person). */
  triggerKey: string;
  context: Record<string, unknown>;
  /** When the trigger happened; the first step is due then. */
  at: Date;
};

export type ActiveJourney = { id: number; version: number; definition: JourneyDefinition };

/**
 * Lets people into a journey's published version: the entry rules decide who may (on the person at this moment),
 * the re-entry policy who may again (`once` ever, once per `days`, or `every` time), and a person already in the
 * journey is not entered twice at once. Idempotent by trigger key. Returns who entered and how many did not.
 */
export async function enterJourney(
  db: Db,
  journey: ActiveJourney,
  entrants: readonly Entrant[],
  /** `rules`: the rule clock, asked for only when the journey has entry rules. */
  o: { now: Date; rules: () => Promise<Awaited<ReturnType<typeof ruleClockOf>>> },
): Promise<{ entered: number[]; skipped: number }> {
  if (entrants.length === 0) return { entered: [], skipped: 0 };
  const d = journey.definition;
  const ids = [...new Set(entrants.map((e) => e.customerId))];
  const allowed = d.entryRules ? await customersMatching(db, await o.rules(), d.entryRules, ids) : new Set(ids);
  const policy = d.reentry;
  if (policy.policy !== 'every') {
    const since = policy.policy === 'cooldown' ? new Date(o.now.getTime() - (policy.days ?? 1) * 86_400_000) : new Date(0);
    const before = await db
      .selectFrom('journey_runs')
      .select('customer_id')
      .distinct()
      .where('journey_id', '=', journey.id)
      .where('customer_id', 'in', ids)
      .where('started_at', '>=', since)
      .execute();
    for (const r of before) allowed.delete(Number(r.customer_id));
  }
  // One entry per person of the batch (the first), among those allowed.
  const admitted = entrants.filter((e) => allowed.delete(e.customerId));
  if (admitted.length === 0) return { entered: [], skipped: entrants.length };
  // A person already waiting in this journey (the partial unique index), or this trigger seen before: not entered.
  // The log's first lines are written from what the insert returned (not looked up again: a lookup by id in a table
  // growing by thousands per batch is planned on stale statistics, a scan per batch).
  const rows = await sql<{ customer_id: number }>`
    with entered as (
      insert into journey_runs (journey_id, version, customer_id, trigger_key, step, due_at, context, started_at)
      select ${journey.id}, ${journey.version}, u.customer_id, u.trigger_key, ${d.start}, u.at, u.context, u.at
      from unnest(${admitted.map((e) => e.customerId)}::bigint[], ${admitted.map((e) => e.triggerKey)}::text[],
        ${admitted.map((e) => JSON.stringify(e.context))}::jsonb[], ${admitted.map((e) => e.at.toISOString())}::timestamptz[])
        as u(customer_id, trigger_key, context, at)
      on conflict do nothing
      returning id, customer_id, trigger_key, started_at
    ), logged as (
      insert into journey_run_steps (run_id, step, type, at, outcome)
      select id, ${d.start}, 'enter', ${o.now}, jsonb_build_object('trigger', trigger_key, 'at', started_at) from entered
    )
    select customer_id from entered`.execute(db);
  return { entered: rows.rows.map((r) => Number(r.customer_id)), skipped: entrants.length - rows.rows.length };
}

/** The active journeys and the versions they run. */
export async function activeJourneys(db: Db): Promise<ActiveJourney[]> {
  const rows = await db
    .selectFrom('journeys as j')
    .innerJoin('journey_versions as v', (join) => join.onRef('v.journey_id', '=', 'j.id').onRef('v.version', '=', 'j.version'))
    .select(['j.id', 'v.version', 'v.definition'])
    .where('j.status', '=', 'active')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), version: r.version, definition: r.definition as JourneyDefinition }));
}
