import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { JourneyDefinition, JourneyStep } from '../../../contracts/journeys.ts';
import { type Db, type JourneyRunTable, watchStatistics } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { emit } from '../../events/index.ts';
import { recommendationsFor } from '../analytics/index.ts';
import { grantPoints, isActiveMember, issueCoupon, ledgerContextOf } from '../loyalty/index.ts';
import { openServiceTicket } from '../service/index.ts';
import { setTag, writeCustomerAttributes } from '../customers/index.ts';
import { type EnqueueInput, enqueueMessage, enqueueMessages, nextTimeOfDay } from '../messaging/index.ts';
import { customersMatching, ruleClockOf } from '../segments/index.ts';
import { surveyLinks } from '../surveys/index.ts';
import { storeSettingsOf } from '../system/index.ts';

type Run = Selectable<JourneyRunTable>;
type RunContext = {
  orderId?: number;
  variables?: Record<string, unknown>;
  /** A wait for an event under way: which step, which event, since when. */
  wait?: { step: string; event: string; since: string };
};
type RuleClock = Awaited<ReturnType<typeof ruleClockOf>>;

/**
 * Runs taken per pass, and per pass taken again with a savepoint per run after a failure (fewer: each savepoint is a
 * subtransaction, and a transaction with more than 64 makes every other session's snapshots dearer while it lasts);
 * steps one run may take in a pass before it must reach a wait (publishing forbids loops without one).
 */
const BATCH = 500;
const ISOLATED_BATCH = 50;
const MAX_STEPS = 50;
/** A step that keeps failing is retried with backoff this many times, then the run stops with the error shown. */
const MAX_ATTEMPTS = 5;
/** A run picked up this much after its wait ended says so in its log (workers were down). */
const LATE_MS = 5 * 60_000;
/** Recommendations read the orders of this many days (what is bought together now, not years ago). */
const RECOMMEND_WINDOW_DAYS = 365;

/** A line of a run's log: what a step did and why. */
export async function logStep(db: Db, runId: number, step: string, type: string, outcome: Record<string, unknown>, at: Date) {
  await db
    .insertInto('journey_run_steps')
    .values({ run_id: runId, step, type, at, outcome: JSON.stringify(outcome) })
    .execute();
}

/** The published definitions the runs follow, one read for a batch. */
async function versionsOf(db: Db, runs: readonly Run[]): Promise<Map<string, JourneyDefinition>> {
  const keys = [...new Set(runs.map((r) => `${r.journey_id}:${r.version}`))];
  const rows = await db
    .selectFrom('journey_versions')
    .select(['journey_id', 'version', 'definition'])
    .where(
      sql<boolean>`(journey_id, version) in (${sql.join(
        keys.map((k) => {
          const [j, v] = k.split(':').map(Number);
          return sql`(${j}, ${v})`;
        }),
      )})`,
    )
    .execute();
  return new Map(rows.map((r) => [`${r.journey_id}:${r.version}`, r.definition as JourneyDefinition]));
}

/** A stable pick for a split: the same run and step always take the same branch (a retried step does not re-roll). */
function branchOf(step: Extract<JourneyStep, { type: 'split' }>, runId: number): string | null {
  const total = step.branches.reduce((n, b) => n + b.share, 0);
  let x = createHash('sha256').update(`${runId}:${step.id}`).digest().readUInt32BE(0) % total;
  for (const b of step.branches) {
    if (x < b.share) return b.next;
    x -= b.share;
  }
  return step.branches[step.branches.length - 1].next;
}

type LogLine = { run_id: number; step: string; type: string; at: Date; outcome: string };
type RunState = Partial<Pick<Run, 'status' | 'step' | 'due_at' | 'exit_reason' | 'ended_at'>> & { id: number; context: string };
/** What a run's advance writes at its end, kept until the pass writes every run's at once. */
type Written = { log: LogLine[]; state: RunState | null };
/** A message step's message, queued with the pass's others; its log line is completed with the message's id then. */
type PendingMessage = { input: EnqueueInput; line: LogLine };
type Env = {
  db: Db;
  now: Date;
  rules: RuleClock;
  storeZone: string;
  ctx: AppContext;
  /** Where message steps put their messages for the pass to queue at once; null: each queued at its step. */
  outbox: PendingMessage[] | null;
};

/**
 * Takes a run from its current step until it waits or ends. Every step writes its log line and the run its new state
 * into `out` (the pass writes them for all its runs at once); a message step queues through the messaging outbox with
 * the key `journey:<run>:<step>`, so a step done twice (a retry after a failure further on) still sends once.
 */
async function advance(env: Env, run: Run, d: JourneyDefinition, out: Written): Promise<void> {
  const { db, now } = env;
  const steps = new Map(d.steps.map((s) => [s.id, s]));
  const context = run.context as RunContext;
  const set = async (values: Partial<Pick<Run, 'status' | 'step' | 'due_at' | 'exit_reason' | 'ended_at'>>) => {
    out.state = { ...values, id: Number(run.id), context: JSON.stringify(context) };
  };
  /** A line of this run's log, written with the pass's others. */
  const log = (step: string, type: string, outcome: Record<string, unknown>) => {
    const line = { run_id: Number(run.id), step, type, at: now, outcome: JSON.stringify(outcome) };
    out.log.push(line);
    return line;
  };
  const late = run.due_at ? now.getTime() - run.due_at.getTime() : 0;
  if (late > LATE_MS) log(run.step ?? '-', 'late', { minutes: Math.round(late / 60_000) });
  // A wait counts from when the previous one ended (a reminder 30 minutes after the order, not after the poll that saw
  // it) unless the run is late: then from now, so a run picked up late does not find its next wait already over.
  const base = late > LATE_MS || !run.due_at ? now : run.due_at;
  let id: string | null = run.step;
  for (let n = 0; n < MAX_STEPS; n++) {
    if (id === null) {
      await set({ status: 'completed', step: null, due_at: null, ended_at: now });
      return;
    }
    const step = steps.get(id);
    if (!step) throw new Error(`step "${id}" is not in version ${run.version}`);
    switch (step.type) {
      case 'wait':
      case 'wait_until': {
        const until =
          step.type === 'wait' ? new Date(base.getTime() + step.minutes * 60_000) : nextTimeOfDay(base, step.time, await zoneOf(env, run));
        log(step.id, step.type, { until: until.toISOString() });
        await set({ step: step.next, due_at: until });
        return;
      }
      case 'wait_event': {
        if (context.wait?.step === step.id) {
          // Woken by the event (the events follower moved the run's time forward) or by the time running out.
          const came = await db
            .selectFrom('events')
            .select('occurred_at')
            .where('customer_id', '=', run.customer_id)
            .where('name', '=', step.event)
            .where('occurred_at', '>=', new Date(context.wait.since))
            .orderBy('occurred_at')
            .limit(1)
            .executeTakeFirst();
          context.wait = undefined;
          log(step.id, step.type, { came: came !== undefined, at: came?.occurred_at.toISOString() ?? null });
          id = came ? step.yes : step.no;
          break;
        }
        const until = new Date(base.getTime() + step.minutes * 60_000);
        context.wait = { step: step.id, event: step.event, since: base.toISOString() };
        log(step.id, step.type, { event: step.event, until: until.toISOString() });
        await set({ step: step.id, due_at: until });
        return;
      }
      case 'condition': {
        const yes = (await customersMatching(db, env.rules, step.rules, [run.customer_id])).has(run.customer_id);
        log(step.id, step.type, { result: yes });
        id = yes ? step.yes : step.no;
        break;
      }
      case 'order_status': {
        const order = context.orderId
          ? await db.selectFrom('orders').select('status').where('id', '=', context.orderId).executeTakeFirst()
          : undefined;
        const yes = order !== undefined && step.statuses.includes(order.status);
        log(step.id, step.type, { status: order?.status ?? null, result: yes });
        id = yes ? step.yes : step.no;
        break;
      }
      case 'split': {
        const next = branchOf(step, Number(run.id));
        log(step.id, step.type, { branch: step.branches.findIndex((b) => b.next === next) });
        id = next;
        break;
      }
      case 'message': {
        // The entry rules hold until the last send: a person who no longer meets them leaves instead.
        if (d.entryRules && !(await customersMatching(db, env.rules, d.entryRules, [run.customer_id])).has(run.customer_id)) {
          log(step.id, step.type, { skipped: 'entry rules no longer met' });
          await set({ status: 'exited', step: null, due_at: null, exit_reason: 'entry rules no longer met', ended_at: now });
          return;
        }
        const input = {
          key: `journey:${run.id}:${step.id}`,
          customerId: run.customer_id,
          template: step.template,
          variables: context.variables ?? {},
          source: `journey:${run.journey_id}`,
          sendAt: now,
        };
        if (env.outbox) env.outbox.push({ input, line: log(step.id, step.type, { template: step.template }) });
        else log(step.id, step.type, { messageId: (await enqueueMessage(db, input)).messageId, template: step.template });
        id = step.next;
        break;
      }
      case 'recommend': {
        const found = await recommendationsFor(db, run.customer_id, { now, windowDays: RECOMMEND_WINDOW_DAYS, limit: step.limit });
        const recommendations = found.items.map((p) => ({ name: p.name, sku: p.sku, category: p.category }));
        context.variables = { ...context.variables, recommendations };
        log(step.id, step.type, { skus: recommendations.map((p) => p.sku), result: recommendations.length > 0 });
        id = recommendations.length > 0 ? step.yes : step.no;
        break;
      }
      case 'tag': {
        await setTag(db, { customerId: run.customer_id, tag: step.tag, present: !step.remove, actor: actorOf(run) });
        log(step.id, step.type, { tag: step.tag, removed: step.remove });
        id = step.next;
        break;
      }
      case 'coupon': {
        const issued = await issueCoupon(db, step.templateId, run.customer_id, `journey:${run.id}:${step.id}`, now);
        context.variables = { ...context.variables, coupon: { code: issued.code, amount: issued.amount, expires_at: issued.expiresAt } };
        log(step.id, step.type, { code: issued.code, templateId: step.templateId });
        id = step.next;
        break;
      }
      case 'survey': {
        const subject = context.orderId ? `order:${context.orderId}` : '';
        const links = await surveyLinks(db, env.ctx, {
          surveyId: step.surveyId,
          customerIds: [run.customer_id],
          subject,
          source: `journey:${run.journey_id}`,
          now,
        });
        const url = links?.get(run.customer_id);
        if (!url) {
          // A closed survey (or a person erased meanwhile): no link to send, so the messages after it are not sent.
          const reason = links ? 'person cannot be invited' : 'survey not open';
          log(step.id, step.type, { surveyId: step.surveyId, skipped: reason });
          await set({ status: 'exited', step: null, due_at: null, exit_reason: reason, ended_at: now });
          return;
        }
        context.variables = { ...context.variables, survey_url: url };
        log(step.id, step.type, { surveyId: step.surveyId, subject });
        id = step.next;
        break;
      }
      case 'task': {
        const assignee = 'userId' in step.assignee ? { assignee_user_id: step.assignee.userId } : { assignee_role: step.assignee.role };
        const task = await db
          .insertInto('journey_tasks')
          .values({
            run_id: run.id,
            journey_id: run.journey_id,
            step: step.id,
            customer_id: run.customer_id,
            title: step.title,
            note: step.note,
            due_at: new Date(base.getTime() + step.dueInHours * 3_600_000),
            ...assignee,
          })
          .onConflict((oc) => oc.columns(['run_id', 'step']).doNothing())
          .returning('id')
          .executeTakeFirst();
        log(step.id, step.type, { taskId: task ? Number(task.id) : null });
        id = step.next;
        break;
      }
      case 'attribute': {
        await writeCustomerAttributes(db, run.customer_id, { [step.key]: step.value }, actorOf(run));
        log(step.id, step.type, { key: step.key, value: step.value });
        id = step.next;
        break;
      }
      case 'points': {
        const member = await isActiveMember(db, run.customer_id);
        const granted =
          member &&
          (await grantPoints(db, await ledgerContextOf(env.ctx), {
            customerId: run.customer_id,
            points: step.points,
            source: `journey:${run.id}:${step.id}`,
            reason: step.reason,
            actor: actorOf(run).label,
          }));
        log(step.id, step.type, member ? { points: step.points, granted } : { skipped: 'not a member' });
        id = step.next;
        break;
      }
      case 'ticket': {
        const order = context.orderId
          ? await db.selectFrom('orders').select('external_id').where('id', '=', context.orderId).executeTakeFirst()
          : undefined;
        const ticket = await openServiceTicket(db, env.ctx, {
          subject: step.subject,
          body: step.body,
          customerId: run.customer_id,
          type: step.ticketType,
          priority: step.priority,
          orderRefs: order ? [order.external_id] : [],
          externalRef: `journey:${run.id}:${step.id}`,
        });
        log(step.id, step.type, { ticketId: ticket.id });
        id = step.next;
        break;
      }
      case 'webhook': {
        await emit(db, {
          type: 'journey.webhook',
          key: `journey:${run.id}:${step.id}`,
          customerId: run.customer_id,
          payload: { journeyId: run.journey_id, runId: Number(run.id), step: step.id, name: step.name, orderId: context.orderId ?? null },
          occurredAt: now,
        });
        log(step.id, step.type, { name: step.name });
        id = step.next;
        break;
      }
      case 'exit':
        log(step.id, step.type, {});
        await set({ status: 'exited', step: null, due_at: null, exit_reason: 'exit step', ended_at: now });
        return;
    }
  }
  throw new Error(`more than ${MAX_STEPS} steps without a wait`);
}

/** The runs' new states (a step to wait at, or an end), one statement for a pass; a field a run did not set is kept. */
async function writeStates(trx: Db, states: readonly RunState[], now: Date): Promise<void> {
  if (states.length === 0) return;
  const col = <K extends keyof RunState>(k: K) => states.map((r) => r[k] ?? null);
  const has = (k: keyof RunState) => states.map((r) => k in r);
  await sql`update journey_runs r set
      status = case when v.has_status then v.status else r.status end,
      step = case when v.has_step then v.step else r.step end,
      due_at = case when v.has_due then v.due_at else r.due_at end,
      exit_reason = case when v.has_exit then v.exit_reason else r.exit_reason end,
      ended_at = case when v.has_ended then v.ended_at else r.ended_at end,
      context = v.context, attempts = 0, error = null, updated_at = ${now}
    from unnest(${states.map((r) => r.id)}::bigint[], ${states.map((r) => r.context)}::jsonb[],
      ${has('status')}::boolean[], ${col('status')}::text[], ${has('step')}::boolean[], ${col('step')}::text[],
      ${has('due_at')}::boolean[], ${col('due_at').map((d) => (d instanceof Date ? d.toISOString() : null))}::timestamptz[],
      ${has('exit_reason')}::boolean[], ${col('exit_reason')}::text[],
      ${has('ended_at')}::boolean[], ${col('ended_at').map((d) => (d instanceof Date ? d.toISOString() : null))}::timestamptz[])
      as v(id, context, has_status, status, has_step, step, has_due, due_at, has_exit, exit_reason, has_ended, ended_at)
    where r.id = v.id`.execute(trx);
}

/** Who a run's changes are attributed to (tags, attributes, points, the audit trail). */
const actorOf = (run: Run) => ({ type: 'system' as const, id: null, label: `journey ${run.journey_id}`, ip: null });

async function zoneOf(env: Env, run: Run): Promise<string> {
  const c = await env.db.selectFrom('customers').select('time_zone').where('id', '=', run.customer_id).executeTakeFirst();
  return c?.time_zone ?? env.storeZone;
}

/**
 * One pass of the journey runner (a poller in every working process): runs whose wait has ended are taken (SKIP
 * LOCKED) and advanced — first all in one go; if one fails, the pass is taken again with each run in its own savepoint
 * — and their log lines and new states are written together at the end. A step that fails is retried with backoff; after MAX_ATTEMPTS the run stops as `failed` with the error on it and in
 * its log — never dropped silently. Returns how many runs it took.
 */
export async function advanceDue(ctx: AppContext): Promise<number> {
  try {
    return await advancePass(ctx, false);
  } catch (err) {
    if (!(err instanceof RunFailed)) throw err;
    return advancePass(ctx, true);
  }
}

/** A run failed in a pass taken without savepoints: the pass is rolled back and taken again, a savepoint per run. */
class RunFailed extends Error {}

/** Runs come in bursts (a segment's 100,000 entrants): a slow claim has the table's statistics taken again. */
const runStatistics = watchStatistics('journey_runs');

/**
 * Due runs for a pass, shared out between journeys: each journey's earliest first, round by round (every journey's
 * first due run, then every journey's second …), so 100,000 people entering one journey at once do not hold up a
 * reminder due in another until all of them are through. The ids are chosen first, then locked by id (SKIP LOCKED)
 * with the conditions checked again on the locked row (another worker may have moved it on meanwhile): as one
 * statement, a plan made on statistics from before a burst joined the two the wrong way round (17 s for 100,000 runs).
 */
async function claimDue(trx: Db, now: Date, limit: number): Promise<Run[]> {
  const chosen = await sql<{ id: string }>`
    select d.id from journeys j
    cross join lateral (
      select d.id, d.due_at, row_number() over (order by d.due_at, d.id) as round from journey_runs d
      where d.journey_id = j.id and d.status = 'waiting' and d.due_at <= ${now}
      order by d.due_at, d.id limit ${limit}) d
    order by d.round, d.due_at, d.id limit ${limit}`.execute(trx);
  if (chosen.rows.length === 0) return [];
  const rows = await sql<Run>`
    select * from journey_runs
    where id = any(${chosen.rows.map((r) => r.id)}::bigint[]) and status = 'waiting' and due_at <= ${now}
    order by due_at, id
    for update skip locked`.execute(trx);
  return rows.rows;
}

/** One pass; `isolated`: each run in a savepoint, so one that fails is rolled back alone and retried later. */
async function advancePass(ctx: AppContext, isolated: boolean): Promise<number> {
  const now = ctx.clock.now();
  let claimMs = 0;
  const taken = await ctx.db.transaction().execute(async (trx) => {
    const claimStart = performance.now();
    const due = await claimDue(trx, now, isolated ? ISOLATED_BATCH : BATCH);
    claimMs = performance.now() - claimStart;
    if (due.length === 0) return 0;
    const scoped = { ...ctx, db: trx };
    const [versions, rules, store] = await Promise.all([versionsOf(trx, due), ruleClockOf(scoped), storeSettingsOf(scoped)]);
    const outbox: PendingMessage[] | null = isolated ? null : [];
    const env: Env = { db: trx, now, rules, storeZone: store.timeZone, ctx: { ...scoped, clock: { now: () => now } }, outbox };
    const log: LogLine[] = [];
    const states: RunState[] = [];
    for (const run of due) {
      const out: Written = { log: [], state: null };
      if (isolated) await sql`savepoint journey_run`.execute(trx);
      try {
        const d = versions.get(`${run.journey_id}:${run.version}`);
        if (!d) throw new Error(`version ${run.version} of journey ${run.journey_id} is missing`);
        await advance(env, run, d, out);
        if (isolated) await sql`release savepoint journey_run`.execute(trx);
        log.push(...out.log);
        if (out.state) states.push(out.state);
      } catch (err) {
        if (!isolated) throw new RunFailed((err as Error).message);
        await sql`rollback to savepoint journey_run`.execute(trx);
        const attempts = run.attempts + 1;
        const final = attempts >= MAX_ATTEMPTS;
        const error = (err as Error).message.slice(0, 1000);
        await trx
          .updateTable('journey_runs')
          .set({
            attempts,
            error,
            status: final ? 'failed' : 'waiting',
            due_at: final ? null : new Date(now.getTime() + 2 ** attempts * 60_000),
            ended_at: final ? now : null,
            updated_at: now,
          })
          .where('id', '=', run.id)
          .execute();
        log.push({
          run_id: Number(run.id),
          step: run.step ?? '-',
          type: 'error',
          at: now,
          outcome: JSON.stringify({ error, attempts, final }),
        });
      }
    }
    // Every run's messages, log lines and new state, written once for the pass (a message that cannot be queued fails
    // the pass, which is then taken again run by run).
    if (outbox && outbox.length > 0) {
      const queued = await enqueueMessages(
        trx,
        outbox.map((m) => m.input),
      ).catch((err: Error) => {
        throw new RunFailed(err.message);
      });
      for (const { input, line } of outbox)
        line.outcome = JSON.stringify({ messageId: queued.get(input.key)!.messageId, template: input.template });
    }
    if (log.length > 0) await trx.insertInto('journey_run_steps').values(log).execute();
    await writeStates(trx, states, now);
    return due.length;
  });
  if (await runStatistics(ctx.db, claimMs)) ctx.log.info({ claimMs: Math.round(claimMs) }, 'slow journey run claim: journey_runs analyzed');
  return taken;
}
