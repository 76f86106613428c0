import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { Actor, Principal } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';

export const taskErrors = {
  notFound: (id: number) => new AppError('TASK_NOT_FOUND', 'not_found', `Task ${id} does not exist.`),
  closed: (id: number) => new AppError('TASK_CLOSED', 'conflict', `Task ${id} is already closed.`),
};

const iso = (d: Date | null) => d?.toISOString() ?? null;

export type TaskFilter = {
  limit: number;
  offset: number;
  status: 'open' | 'done' | 'cancelled';
  mine: 'true' | 'false';
  customerId?: number;
};

/** Follow-ups, soonest due first: mine (assigned to me or to my role) or everyone's, open or closed. */
export async function listTasks(db: Db, principal: Principal, f: TaskFilter) {
  let q = db
    .selectFrom('journey_tasks as t')
    .leftJoin('journeys as j', 'j.id', 't.journey_id')
    .innerJoin('customers as c', 'c.id', 't.customer_id')
    .where('t.status', '=', f.status);
  if (f.customerId) q = q.where('t.customer_id', '=', f.customerId);
  if (f.mine === 'true')
    q = q.where((eb) =>
      eb.or([
        eb('t.assignee_user_id', '=', principal.kind === 'user' ? principal.id : -1),
        eb.and([eb('t.assignee_user_id', 'is', null), eb('t.assignee_role', '=', principal.role)]),
      ]),
    );
  const [rows, total] = await Promise.all([
    q
      .selectAll('t')
      .select(['j.name as journey', 'c.name as customer_name'])
      .orderBy(f.status === 'open' ? 't.due_at' : 't.completed_at', f.status === 'open' ? 'asc' : 'desc')
      .orderBy('t.id')
      .limit(f.limit)
      .offset(f.offset)
      .execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((t) => ({
      id: Number(t.id),
      customerId: Number(t.customer_id),
      customerName: t.customer_name,
      journeyId: t.journey_id === null ? null : Number(t.journey_id),
      journey: t.journey,
      title: t.title,
      note: t.note,
      assignee: { userId: t.assignee_user_id === null ? null : Number(t.assignee_user_id), role: t.assignee_role },
      dueAt: t.due_at.toISOString(),
      status: t.status,
      outcome: t.outcome,
      createdAt: t.created_at.toISOString(),
      completedAt: iso(t.completed_at),
      completedBy: t.completed_by,
    })),
    total: Number(total.n),
  };
}

/** Closes a follow-up with what came of it (done, or cancelled with the reason); audited. */
export async function completeTask(db: Db, id: number, body: { status: 'done' | 'cancelled'; outcome: string }, actor: Actor, now: Date) {
  const row = await db.selectFrom('journey_tasks').select(['status', 'customer_id']).where('id', '=', id).executeTakeFirst();
  if (!row) throw taskErrors.notFound(id);
  const closed = await db
    .updateTable('journey_tasks')
    .set({ status: body.status, outcome: body.outcome, completed_at: now, completed_by: actor.label })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(closed.numUpdatedRows) === 0) throw taskErrors.closed(id);
  await recordAudit(db, {
    actor,
    action: 'task.complete',
    target: { type: 'customer', id: row.customer_id },
    details: { taskId: id, ...body },
  });
  return { ok: true as const };
}
