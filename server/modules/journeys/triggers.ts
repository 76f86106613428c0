import { orderLifecycle, type JourneyDefinition } from '../../../contracts/journeys.ts';
import type { DomainEventPayload } from '../../../contracts/events.ts';
import type { Db } from '../../db/index.ts';
import type { DeliveredEvent, EventSubscription } from '../../events/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { ruleClockOf } from '../segments/index.ts';
import { type ActiveJourney, type Entrant, activeJourneys, enterJourney } from './enter.ts';
import { productEntrants, productTriggered } from './products.ts';
import { logStep } from './runner.ts';

type OrderEvent = DeliveredEvent<'order.placed'> & { payload: DomainEventPayload<'order.placed'> };
const lifecycleOf = (type: string) => type.replace(/^order\./, '') as (typeof orderLifecycle)[number];

/** The values a message step of an order journey can use: the order as the buyer knows it. */
async function orderVariables(db: Db, orderId: number) {
  const o = await db
    .selectFrom('orders')
    .select(['external_id', 'total_amount', 'currency', 'status', 'placed_at'])
    .where('id', '=', orderId)
    .executeTakeFirst();
  return o
    ? { order: { id: o.external_id, total: o.total_amount, currency: o.currency, status: o.status, placedAt: o.placed_at.toISOString() } }
    : {};
}

/**
 * Runs whose goal this order event meets end early: the run's own order reaching the goal's state (payment ends
 * 催付), or any new order of the person (win-back).
 */
async function meetGoals(db: Db, event: OrderEvent, now: Date): Promise<void> {
  const runs = await db
    .selectFrom('journey_runs as r')
    .innerJoin('journey_versions as v', (join) => join.onRef('v.journey_id', '=', 'r.journey_id').onRef('v.version', '=', 'r.version'))
    .select(['r.id', 'r.context', 'v.definition'])
    .where('r.customer_id', '=', event.customerId)
    .where('r.status', '=', 'waiting')
    .execute();
  const happened = lifecycleOf(event.type);
  for (const r of runs) {
    const goal = (r.definition as JourneyDefinition).goal;
    const orderId = (r.context as { orderId?: number }).orderId;
    const met =
      goal !== null &&
      ((goal.type === 'order_event' && goal.event === happened && orderId === event.payload.orderId) ||
        (goal.type === 'any_order' && happened === 'placed' && orderId !== event.payload.orderId));
    if (!met) continue;
    const reason = goal.type === 'order_event' ? `goal: order ${happened}` : 'goal: a new order';
    await db
      .updateTable('journey_runs')
      .set({ status: 'exited', exit_reason: reason, step: null, due_at: null, ended_at: now, updated_at: now })
      .where('id', '=', r.id)
      .execute();
    await logStep(db, Number(r.id), '-', 'goal', { event: event.key }, now);
  }
}

/** Whether an event lets people into a journey: its trigger's type, and the trigger's conditions on the event. */
function triggeredBy(j: ActiveJourney, event: DeliveredEvent, now: Date): boolean {
  const t = j.definition.trigger;
  if (t.type === 'order' && event.type.startsWith('order.')) {
    const p = (event as OrderEvent).payload;
    return (
      t.event === lifecycleOf(event.type) &&
      p.importId === null &&
      p.totalAmount >= t.minTotal &&
      (t.statuses.length === 0 || t.statuses.includes(p.status)) &&
      now.getTime() - event.occurredAt.getTime() <= t.maxAgeHours * 3_600_000
    );
  }
  if (t.type === 'survey' && event.type === 'survey.answered') {
    const p = event.payload as DomainEventPayload<'survey.answered'>;
    return p.completed && (t.surveyId === null || t.surveyId === p.surveyId) && p.nps !== null && p.nps >= t.npsMin && p.nps <= t.npsMax;
  }
  if (t.type === 'return' && event.type === 'return.updated')
    return t.states.includes((event.payload as DomainEventPayload<'return.updated'>).state as never);
  if (t.type === 'segment' && event.type.startsWith('segment.')) {
    const p = event.payload as DomainEventPayload<'segment.entered'>;
    return p.segmentId === t.segmentId && event.type === `segment.${t.on}`;
  }
  return false;
}

/** What a run entered by this event carries: its order (and return) for the steps and messages. */
async function runContext(db: Db, event: DeliveredEvent): Promise<Record<string, unknown>> {
  const orderId =
    event.type.startsWith('order.') || event.type === 'return.updated' ? (event.payload as { orderId: number }).orderId : undefined;
  if (orderId === undefined) return {};
  const returned = event.type === 'return.updated' ? (event.payload as DomainEventPayload<'return.updated'>) : null;
  return {
    orderId,
    variables: {
      ...(await orderVariables(db, orderId)),
      ...(returned ? { rma: { id: returned.returnId, state: returned.state, resolution: returned.resolution ?? '' } } : {}),
    },
  };
}

/** The people a price drop or restock tells, into each journey whose product trigger it matches. */
async function addProductEntrants(
  db: Db,
  journeys: ActiveJourney[],
  event: DeliveredEvent,
  into: Map<number, { journey: ActiveJourney; list: Entrant[] }>,
) {
  const p = event.payload as DomainEventPayload<'product.price_dropped'>;
  for (const journey of journeys) {
    const t = journey.definition.trigger;
    if (t.type !== 'product' || !productTriggered(t, event.type, p)) continue;
    const list = await productEntrants(db, t, event.key, p, event.occurredAt);
    const entry = into.get(journey.id) ?? { journey, list: [] };
    entry.list.push(...list);
    into.set(journey.id, entry);
  }
}

/**
 * Events of many people at once (a segment of thousands entered together): goals met, then each journey's entrants
 * let in with one statement.
 */
async function enterFromEvents(events: readonly DeliveredEvent[], ctx: AppContext): Promise<void> {
  const now = ctx.clock.now();
  let journeys: ActiveJourney[] | undefined;
  const entrants = new Map<number, { journey: ActiveJourney; list: Entrant[] }>();
  for (const event of events) {
    if (event.type.startsWith('product.')) {
      journeys ??= await activeJourneys(ctx.db);
      await addProductEntrants(ctx.db, journeys, event, entrants);
      continue;
    }
    if (event.customerId === null) continue;
    if (event.type.startsWith('order.')) await meetGoals(ctx.db, event as OrderEvent, now);
    journeys ??= await activeJourneys(ctx.db);
    const matching = journeys.filter((j) => triggeredBy(j, event, now));
    if (matching.length === 0) continue;
    const context = await runContext(ctx.db, event);
    for (const journey of matching) {
      const into = entrants.get(journey.id) ?? { journey, list: [] };
      into.list.push({ customerId: event.customerId, triggerKey: event.key, context, at: event.occurredAt });
      entrants.set(journey.id, into);
    }
  }
  let clock: ReturnType<typeof ruleClockOf> | undefined;
  const rules = () => {
    clock ??= ruleClockOf(ctx);
    return clock;
  };
  for (const { journey, list } of entrants.values()) await enterJourney(ctx.db, journey, list, { now, rules });
}

/**
 * Order lifecycle, segment, return and survey events — and the catalogue's price drops and restocks, which let in the
 * people who looked at the product — let people into the active journeys whose trigger they match, and end runs
 * whose goal they meet. Orders written by a CSV import (history being loaded) and events older than the trigger's
 * `maxAgeHours` let nobody in: a reminder about last year's order is worse than none.
 */
export const journeyTriggers: EventSubscription = {
  name: 'journeys',
  types: [
    ...orderLifecycle.map((e) => `order.${e}` as const),
    'segment.entered',
    'segment.exited',
    'return.updated',
    'survey.answered',
    'product.price_dropped',
    'product.back_in_stock',
  ],
  handle: (event, ctx) => enterFromEvents([event], ctx),
  handleBatch: enterFromEvents,
};
