import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { ServiceSettings, SlaPolicy } from '../../../contracts/service.ts';
import type { Db, SlaClockTable, SlaMetric } from '../../db/index.ts';
import { addBusinessMinutes, businessMinutesBetween, wallClock } from './calendar.ts';
import { calendarOf } from './settings.ts';
import { recordTicketEvent } from './trail.ts';

type Clock = Selectable<SlaClockTable>;
type TicketRef = { id: number; queue: string | null; sla_policy: string | null; assignee_id: number | null };

/** Time arithmetic of a policy: business hours of the ticket's queue, or wall-clock minutes. */
type Arithmetic = { add(from: Date, minutes: number): Date | null; between(from: Date, to: Date): number };

function arithmeticOf(s: ServiceSettings, policy: SlaPolicy | undefined, queue: string | null): Arithmetic {
  if (policy && !policy.businessHours) return wallClock;
  const cal = calendarOf(s, queue);
  return { add: (from, m) => addBusinessMinutes(cal, from, m), between: (a, b) => businessMinutesBetween(cal, a, b) };
}

const policyByKey = (s: ServiceSettings, key: string | null) => s.policies.find((p) => p.key === key);

const TARGET: Record<SlaMetric, keyof Pick<SlaPolicy, 'firstReplyMinutes' | 'nextReplyMinutes' | 'resolutionMinutes'>> = {
  first_reply: 'firstReplyMinutes',
  next_reply: 'nextReplyMinutes',
  resolution: 'resolutionMinutes',
};

/** When a clock running since `since` with `spent` minutes behind it falls due, and when its warning is due. */
function schedule(a: Arithmetic, target: number, spent: number, since: Date, warnShare: number) {
  const warnLeft = warnShare * target - spent;
  return { due_at: a.add(since, Math.max(0, target - spent)), warn_at: warnLeft > 0 ? a.add(since, warnLeft) : since };
}

/** Starts (or restarts from nothing) a ticket's clock of a metric, when its policy sets a target for it. */
export async function startClock(trx: Db, s: ServiceSettings, t: TicketRef, metric: SlaMetric, now: Date): Promise<void> {
  const policy = policyByKey(s, t.sla_policy);
  const target = policy?.[TARGET[metric]];
  if (!policy || !target) return;
  const when = schedule(arithmeticOf(s, policy, t.queue), target, 0, now, s.warnAt);
  const row = {
    policy: policy.key,
    target_minutes: target,
    spent_minutes: 0,
    running_since: now,
    ...when,
    warned_at: null,
    breached_at: null,
    met_at: null,
    started_at: now,
  };
  await trx
    .insertInto('sla_clocks')
    .values({ ticket_id: t.id, metric, ...row })
    .onConflict((oc) => oc.columns(['ticket_id', 'metric']).doUpdateSet(row))
    .execute();
}

/** Stops the clocks of these metrics as met (an agent replied; the ticket was solved). */
export async function meetClocks(trx: Db, ticketId: number, metrics: readonly SlaMetric[], now: Date): Promise<void> {
  await trx
    .updateTable('sla_clocks')
    .set({ met_at: now, due_at: null, warn_at: null, running_since: null })
    .where('ticket_id', '=', ticketId)
    .where('metric', 'in', [...metrics])
    .where('met_at', 'is', null)
    .execute();
}

const openClocks = (trx: Db, ticketId: number) =>
  trx.selectFrom('sla_clocks').selectAll().where('ticket_id', '=', ticketId).where('met_at', 'is', null).execute();

/** Pauses a ticket's running clocks (pending on the customer, on hold): the minutes spent so far are kept. */
export async function pauseClocks(trx: Db, s: ServiceSettings, t: TicketRef, now: Date): Promise<void> {
  const a = arithmeticOf(s, policyByKey(s, t.sla_policy), t.queue);
  for (const c of await openClocks(trx, t.id)) {
    if (!c.running_since) continue;
    await trx
      .updateTable('sla_clocks')
      .set({ spent_minutes: c.spent_minutes + a.between(c.running_since, now), running_since: null, due_at: null, warn_at: null })
      .where('ticket_id', '=', t.id)
      .where('metric', '=', c.metric)
      .execute();
  }
}

/** Resumes a ticket's paused clocks from now with what they had left. */
export async function resumeClocks(trx: Db, s: ServiceSettings, t: TicketRef, now: Date): Promise<void> {
  const a = arithmeticOf(s, policyByKey(s, t.sla_policy), t.queue);
  for (const c of await openClocks(trx, t.id)) {
    if (c.running_since) continue;
    const when = schedule(a, c.target_minutes, c.spent_minutes, now, s.warnAt);
    await trx
      .updateTable('sla_clocks')
      .set({ running_since: now, due_at: when.due_at, warn_at: c.warned_at ? null : when.warn_at })
      .where('ticket_id', '=', t.id)
      .where('metric', '=', c.metric)
      .execute();
  }
}

/** A policy or queue changed on a ticket: its running clocks are rescheduled under the new rules. */
export async function rescheduleClocks(trx: Db, s: ServiceSettings, t: TicketRef, now: Date): Promise<void> {
  await pauseClocks(trx, s, t, now);
  const policy = policyByKey(s, t.sla_policy);
  for (const metric of ['first_reply', 'next_reply', 'resolution'] as const) {
    const target = policy?.[TARGET[metric]];
    if (target)
      await trx
        .updateTable('sla_clocks')
        .set({ policy: policy.key, target_minutes: target })
        .where('ticket_id', '=', t.id)
        .where('metric', '=', metric)
        .where('met_at', 'is', null)
        .execute();
  }
  await resumeClocks(trx, s, t, now);
}

/**
 * Warnings and breaches that fell due: a clock past its warning share tells the assignee and the queue lead (once),
 * a clock past its due time is recorded breached at that time. Returns how many of each were recorded.
 */
export async function slaTick(db: Db, s: ServiceSettings, now: Date): Promise<{ warned: number; breached: number }> {
  return db.transaction().execute(async (trx) => {
    const warned = await sql<{
      ticket_id: number;
      metric: SlaMetric;
      due_at: Date | null;
      assignee_id: number | null;
      queue: string | null;
    }>`
      update sla_clocks c set warned_at = ${now} from tickets t
      where t.id = c.ticket_id and c.met_at is null and c.warned_at is null and c.breached_at is null and c.warn_at <= ${now} and c.due_at > ${now}
      returning c.ticket_id, c.metric, c.due_at, t.assignee_id, t.queue`.execute(trx);
    const breached = await sql<{ ticket_id: number; metric: SlaMetric; due_at: Date; assignee_id: number | null; queue: string | null }>`
      update sla_clocks c set breached_at = c.due_at from tickets t
      where t.id = c.ticket_id and c.met_at is null and c.breached_at is null and c.due_at <= ${now}
      returning c.ticket_id, c.metric, c.due_at, t.assignee_id, t.queue`.execute(trx);
    for (const [action, rows] of [
      ['sla.warning', warned.rows],
      ['sla.breached', breached.rows],
    ] as const)
      for (const r of rows) {
        const lead = s.queues.find((q) => q.key === r.queue)?.leadId ?? null;
        const notify = [...new Set([r.assignee_id, lead].filter((x): x is number => x !== null))];
        await recordTicketEvent(trx, Number(r.ticket_id), 'system', action, { metric: r.metric, dueAt: r.due_at, notify }, now);
      }
    return { warned: warned.rows.length, breached: breached.rows.length };
  });
}

/** A ticket's clocks as the agent sees them: business minutes left (negative once past due). */
export function presentClocks(s: ServiceSettings, t: TicketRef, clocks: readonly Clock[], now: Date) {
  const a = arithmeticOf(s, policyByKey(s, t.sla_policy), t.queue);
  return clocks.map((c) => {
    let minutesLeft: number | null = null;
    if (!c.met_at)
      minutesLeft = c.due_at ? (c.due_at > now ? a.between(now, c.due_at) : -a.between(c.due_at, now)) : c.target_minutes - c.spent_minutes;
    return {
      metric: c.metric,
      policy: c.policy,
      targetMinutes: c.target_minutes,
      dueAt: c.due_at?.toISOString() ?? null,
      paused: !c.met_at && !c.running_since,
      breachedAt: c.breached_at?.toISOString() ?? null,
      metAt: c.met_at?.toISOString() ?? null,
      minutesLeft: minutesLeft === null ? null : Math.round(minutesLeft),
    };
  });
}
