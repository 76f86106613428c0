import { sql } from 'kysely';
import type { Db } from '../db/index.ts';

export type DomainEventFilter = {
  limit: number;
  offset: number;
  type?: string;
  customerId?: number;
  status?: 'pending' | 'delivered' | 'failed';
};

/** Events newest first with their deliveries, for Settings → Jobs. */
export async function listDomainEvents(db: Db, f: DomainEventFilter) {
  let q = db.selectFrom('domain_events as e');
  if (f.type) q = q.where('e.type', '=', f.type);
  if (f.customerId) q = q.where('e.customer_id', '=', f.customerId);
  if (f.status) {
    const status = f.status;
    q = q.where((eb) =>
      eb.exists(
        eb.selectFrom('event_deliveries as d').select('d.event_id').whereRef('d.event_id', '=', 'e.id').where('d.status', '=', status),
      ),
    );
  }
  const [rows, total] = await Promise.all([
    q.selectAll('e').orderBy('e.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => Number(r.id));
  const deliveries =
    ids.length > 0 ? await db.selectFrom('event_deliveries').selectAll().where('event_id', 'in', ids).orderBy('subscriber').execute() : [];
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: Number(r.id),
      key: r.key,
      type: r.type,
      version: r.version,
      customerId: r.customer_id === null ? null : Number(r.customer_id),
      payload: r.payload,
      occurredAt: r.occurred_at.toISOString(),
      createdAt: r.created_at.toISOString(),
      deliveries: deliveries
        .filter((d) => Number(d.event_id) === Number(r.id))
        .map((d) => ({
          subscriber: d.subscriber,
          status: d.status,
          attempts: d.attempts,
          error: d.error,
          deliveredAt: d.delivered_at?.toISOString() ?? null,
        })),
    })),
  };
}

/** Puts a failed (or delivered) delivery back in line; false when there is none. */
export async function redeliver(db: Db, eventId: number, subscriber: string): Promise<boolean> {
  const r = await db
    .updateTable('event_deliveries')
    .set({ status: 'pending', next_at: sql<Date>`now()`, error: null })
    .where('event_id', '=', eventId)
    .where('subscriber', '=', subscriber)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deletes events older than the retention period that no subscriber is still waiting for; returns how many. */
export async function pruneEvents(db: Db, opts: { retentionDays: number; now: Date }): Promise<number> {
  const r = await sql`delete from domain_events e
    where e.created_at < ${opts.now}::timestamptz - make_interval(days => ${opts.retentionDays})
      and not exists (select 1 from event_deliveries d where d.event_id = e.id and d.status = 'pending')`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
