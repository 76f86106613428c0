import { sql } from 'kysely';
import type { JourneyTrigger } from '../../../contracts/journeys.ts';
import type { AppContext } from '../../platform/context.ts';
import { ruleClockOf } from '../segments/index.ts';
import { activeJourneys, enterJourney } from './enter.ts';

type EventTrigger = Extract<JourneyTrigger, { type: 'event' }>;

/** Events read per pass; an event is read once it is this old, so a transaction still writing older ids has committed. */
const BATCH = 2000;
const SETTLE_MS = 5000;
const CURSOR = 'events';

const matches = (t: EventTrigger, e: { name: string; properties: unknown }) =>
  t.name === e.name &&
  Object.entries(t.properties).every(([k, v]) => String((e.properties as Record<string, unknown>)?.[k] ?? '') === String(v));

/**
 * Follows the tracked events (a poller): an event of a person whose run waits for it moves that run's time to now
 * (the run takes its "it came" branch), and events matching an active journey's event trigger let their people in
 * (once per event; imported history and events older than `maxAgeHours` let nobody in). The position read to is kept
 * in `journey_cursors`, locked while a pass reads, so two workers never read the same events. On first use it starts
 * at the newest event: turning on an event journey does not replay the past. Returns how many events it read.
 */
export async function followEvents(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await sql`insert into journey_cursors (name, position) select ${CURSOR}, coalesce(max(id), 0) from events on conflict (name) do nothing`.execute(
      trx,
    );
    const cursor = await trx
      .selectFrom('journey_cursors')
      .select('position')
      .where('name', '=', CURSOR)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const journeys = (await activeJourneys(trx)).filter((j) => j.definition.trigger.type === 'event');
    const waiting = await sql<{
      n: boolean;
    }>`select exists (select 1 from journey_runs where status = 'waiting' and context ? 'wait') as n`.execute(trx);
    if (journeys.length === 0 && !waiting.rows[0].n) {
      await sql`update journey_cursors set position = greatest(position, coalesce((select max(id) from events), 0)) where name = ${CURSOR}`.execute(
        trx,
      );
      return 0;
    }
    const events = await trx
      .selectFrom('events')
      .select(['id', 'customer_id', 'name', 'properties', 'occurred_at', 'import_id'])
      .where('id', '>', cursor.position)
      .where('received_at', '<', new Date(now.getTime() - SETTLE_MS))
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (events.length === 0) return 0;
    const known = events.filter((e) => e.customer_id !== null);
    if (known.length > 0)
      await sql`update journey_runs r set due_at = least(r.due_at, ${now}), updated_at = ${now}
        from unnest(${known.map((e) => e.customer_id)}::bigint[], ${known.map((e) => e.name)}::text[],
          ${known.map((e) => e.occurred_at.toISOString())}::timestamptz[]) as u(customer_id, name, at)
        where r.status = 'waiting' and r.customer_id = u.customer_id and r.context->'wait'->>'event' = u.name
          and (r.context->'wait'->>'since')::timestamptz <= u.at`.execute(trx);
    const rules = () => ruleClockOf({ ...ctx, db: trx });
    for (const j of journeys) {
      const t = j.definition.trigger as EventTrigger;
      const entrants = known
        .filter((e) => e.import_id === null && now.getTime() - e.occurred_at.getTime() <= t.maxAgeHours * 3_600_000 && matches(t, e))
        .map((e) => ({
          customerId: Number(e.customer_id),
          triggerKey: `event:${e.id}`,
          context: { variables: { event: e.properties } },
          at: e.occurred_at,
        }));
      if (entrants.length > 0) await enterJourney(trx, j, entrants, { now, rules });
    }
    await trx
      .updateTable('journey_cursors')
      .set({ position: Number(events[events.length - 1].id) })
      .where('name', '=', CURSOR)
      .execute();
    return events.length;
  });
}
