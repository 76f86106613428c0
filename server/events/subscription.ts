import { sql } from 'kysely';
import type { DomainEventPayload, DomainEventType } from '../../contracts/events.ts';
import type { Db } from '../db/index.ts';
import type { AppContext } from '../platform/context.ts';

/** An event as a subscriber receives it. */
export type DeliveredEvent<T extends DomainEventType = DomainEventType> = {
  id: number;
  key: string;
  type: T;
  version: number;
  customerId: number | null;
  payload: DomainEventPayload<T>;
  occurredAt: Date;
};

/**
 * A module's reaction to domain events. `handle` runs inside the transaction that marks the delivery done, so what it
 * writes (a job enqueued, a row) happens exactly once per event; when it throws, only this subscriber retries, and
 * the customer's later events wait for it.
 */
export type EventSubscription = {
  /** Unique, stable: deliveries are kept under it. */
  name: string;
  types: readonly DomainEventType[];
  /** Attempts before a delivery is given up as failed (it no longer holds the customer's later events back). */
  maxAttempts?: number;
  /**
   * `types` are the most it may receive; which of them it does is set at run time with `subscribeTypes` (outbound
   * webhooks take only what some endpoint wants, so an import writes no deliveries nobody reads).
   */
  dynamic?: boolean;
  /** `ctx.db` is the delivery's transaction. */
  handle(event: DeliveredEvent, ctx: AppContext): Promise<void>;
  /**
   * Many deliveries at once (at most one per customer: a customer's next event waits for the previous), for a
   * subscriber that can do set-based what `handle` does one by one. When it throws, the dispatcher hands the same
   * events to `handle` one at a time, so only the event at fault is retried.
   */
  handleBatch?(events: readonly DeliveredEvent[], ctx: AppContext): Promise<void>;
};

/**
 * Makes the stored subscriptions those declared: new types are delivered from now on, dropped ones no longer. A
 * dynamic subscriber keeps the types it chose among those it declares.
 */
export async function syncSubscriptions(db: Db, subscriptions: readonly EventSubscription[]): Promise<void> {
  const dynamic = new Map(subscriptions.filter((s) => s.dynamic).map((s) => [s.name, new Set<string>(s.types)]));
  const wanted = subscriptions.filter((s) => !s.dynamic).flatMap((s) => s.types.map((type) => ({ subscriber: s.name, type })));
  await db.transaction().execute(async (trx) => {
    const all = await trx.selectFrom('event_subscriptions').select(['subscriber', 'type']).execute();
    const held = all.filter((r) => !dynamic.get(r.subscriber)?.has(r.type));
    const key = (r: { subscriber: string; type: string }) => `${r.subscriber}\u0000${r.type}`;
    const want = new Set(wanted.map(key));
    const have = new Set(held.map(key));
    const gone = held.filter((r) => !want.has(key(r)));
    for (const r of gone)
      await trx.deleteFrom('event_subscriptions').where('subscriber', '=', r.subscriber).where('type', '=', r.type).execute();
    const added = wanted.filter((r) => !have.has(key(r)));
    if (added.length > 0)
      await trx
        .insertInto('event_subscriptions')
        .values(added)
        .onConflict((oc) => oc.doNothing())
        .execute();
    await alignEventTriggers(trx);
  });
}

/** The types a dynamic subscriber receives from now on (the rest of those it declares, no longer). */
export async function subscribeTypes(db: Db, subscriber: string, types: readonly DomainEventType[]): Promise<void> {
  await db.deleteFrom('event_subscriptions').where('subscriber', '=', subscriber).execute();
  if (types.length > 0)
    await db
      .insertInto('event_subscriptions')
      .values(types.map((type) => ({ subscriber, type })))
      .execute();
  await alignEventTriggers(db);
}

/**
 * Types written by a trigger on a busy table (migration 0040): the trigger is enabled while some subscriber wants the
 * type and disabled otherwise, so an import of a million customers keeps no transition table nobody reads.
 */
const TRIGGERED: Partial<Record<DomainEventType, { table: string; trigger: string }>> = {
  'customer.created': { table: 'customers', trigger: 'customers_created_events' },
  'customer.updated': { table: 'customers', trigger: 'customers_updated_events' },
  'points.changed': { table: 'loyalty_ledger', trigger: 'loyalty_ledger_points_events' },
};

async function alignEventTriggers(db: Db): Promise<void> {
  const wanted = new Set((await db.selectFrom('event_subscriptions').select('type').distinct().execute()).map((r) => r.type));
  const state = await sql<{ tgname: string; tgenabled: string }>`
    select tgname, tgenabled from pg_trigger where tgname in (${sql.join(Object.values(TRIGGERED).map((t) => t.trigger))})`.execute(db);
  const enabled = new Map(state.rows.map((r) => [r.tgname, r.tgenabled !== 'D']));
  for (const [type, t] of Object.entries(TRIGGERED)) {
    const want = wanted.has(type);
    if (!enabled.has(t.trigger) || enabled.get(t.trigger) === want) continue;
    await sql`alter table ${sql.table(t.table)} ${sql.raw(want ? 'enable' : 'disable')} trigger ${sql.ref(t.trigger)}`.execute(db);
  }
}
