import type { Db } from '../../db/index.ts';
import { journeyErrors } from './definition.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export type RunFilter = {
  limit: number;
  offset: number;
  journeyId?: number;
  customerId?: number;
  status?: 'waiting' | 'completed' | 'exited' | 'failed';
};

/**
 * Runs newest first with each one's log (the debugger: every step entered, what a condition decided, when a wait
 * ends, which message was queued, the error that stopped it).
 */
export async function listRuns(db: Db, f: RunFilter) {
  let q = db.selectFrom('journey_runs as r').innerJoin('journeys as j', 'j.id', 'r.journey_id');
  if (f.journeyId) q = q.where('r.journey_id', '=', f.journeyId);
  if (f.customerId) q = q.where('r.customer_id', '=', f.customerId);
  if (f.status) q = q.where('r.status', '=', f.status);
  const [rows, total] = await Promise.all([
    q.selectAll('r').select('j.name as journey').orderBy('r.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => Number(r.id));
  const logs =
    ids.length === 0 ? [] : await db.selectFrom('journey_run_steps').selectAll().where('run_id', 'in', ids).orderBy('id').execute();
  return {
    items: rows.map((r) => ({
      id: Number(r.id),
      journeyId: Number(r.journey_id),
      journey: r.journey,
      version: r.version,
      customerId: Number(r.customer_id),
      status: r.status,
      step: r.step,
      dueAt: iso(r.due_at),
      exitReason: r.exit_reason,
      error: r.error,
      startedAt: r.started_at.toISOString(),
      endedAt: iso(r.ended_at),
      log: logs
        .filter((l) => Number(l.run_id) === Number(r.id))
        .map((l) => ({ step: l.step, type: l.type, at: l.at.toISOString(), outcome: l.outcome as Record<string, unknown> })),
    })),
    total: Number(total.n),
  };
}

export async function getRun(db: Db, id: number) {
  const row = await db.selectFrom('journey_runs').select(['id', 'customer_id']).where('id', '=', id).executeTakeFirst();
  if (!row) throw journeyErrors.runNotFound(id);
  const page = await listRuns(db, { limit: 200, offset: 0, customerId: Number(row.customer_id) });
  return page.items.find((r) => r.id === id)!;
}
