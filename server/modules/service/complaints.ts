import { sql } from 'kysely';
import type { ServiceSettings, complaintBody, complaintView } from '../../../contracts/service.ts';
import type { z } from 'zod';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { recordTicketEvent } from './trail.ts';

const unknownCategory = (key: string) =>
  new AppError('SERVICE_SETTINGS_INVALID', 'invalid', `"${key}" is not one of the desk's complaint categories.`, { category: key });

/**
 * Records a complaint's particulars on its ticket (making it a complaint): severity, category, the products, and once
 * handled what was done and what the customer was given. Each change is in the ticket's trail.
 */
export async function saveComplaint(
  trx: Db,
  s: ServiceSettings,
  ticketId: number,
  c: z.infer<typeof complaintBody>,
  actor: Actor,
  now: Date,
): Promise<void> {
  if (!s.complaintCategories.some((x) => x.key === c.category)) throw unknownCategory(c.category);
  const values = {
    severity: c.severity,
    category: c.category,
    skus: c.skus,
    resolution: c.resolution,
    compensation_kind: c.compensationKind,
    compensation_amount: c.compensationAmount,
  };
  await trx
    .insertInto('ticket_complaints')
    .values({ ticket_id: ticketId, ...values })
    .onConflict((oc) => oc.column('ticket_id').doUpdateSet(values))
    .execute();
  await trx
    .updateTable('tickets')
    .set({ type: 'complaint', priority: sql`case when ${c.severity} = 'critical' then 'urgent' else priority end`, updated_at: now })
    .where('id', '=', ticketId)
    .execute();
  await recordTicketEvent(trx, ticketId, actor, 'complaint', { ...c }, now);
}

export async function complaintOf(db: Db, ticketId: number): Promise<z.infer<typeof complaintView> | null> {
  const k = await db.selectFrom('ticket_complaints').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
  return k
    ? {
        severity: k.severity,
        category: k.category,
        skus: k.skus,
        resolution: k.resolution,
        compensationKind: k.compensation_kind,
        compensationAmount: k.compensation_amount === null ? null : Number(k.compensation_amount),
        escalatedAt: k.escalated_at?.toISOString() ?? null,
      }
    : null;
}

/**
 * Complaints the desk has left unanswered for the configured hours — no agent reply since the customer last wrote — are
 * escalated once: made urgent, with an alert to the assignee and the queue's lead.
 */
export async function escalateComplaints(db: Db, s: ServiceSettings, now: Date): Promise<number> {
  const before = new Date(now.getTime() - s.complaintEscalationHours * 3_600_000);
  return db.transaction().execute(async (trx) => {
    const due = await sql<{ id: number; assignee_id: number | null; queue: string | null }>`
      insert into ticket_complaints (ticket_id, severity, category, escalated_at)
      select t.id, 'major', 'other', ${now} from tickets t
      where t.type = 'complaint' and t.status in ('new', 'open') and t.merged_into is null
        and coalesce(t.last_customer_at, t.created_at) < ${before}
        and (t.last_agent_at is null or t.last_agent_at < coalesce(t.last_customer_at, t.created_at))
        and not exists (select 1 from ticket_complaints k where k.ticket_id = t.id and k.escalated_at is not null)
      order by t.created_at limit 500
      on conflict (ticket_id) do update set escalated_at = excluded.escalated_at where ticket_complaints.escalated_at is null
      returning ticket_id as id, (select assignee_id from tickets where id = ticket_id) as assignee_id, (select queue from tickets where id = ticket_id) as queue`.execute(
      trx,
    );
    for (const r of due.rows) {
      await trx.updateTable('tickets').set({ priority: 'urgent', updated_at: now }).where('id', '=', r.id).execute();
      const lead = s.queues.find((q) => q.key === r.queue)?.leadId ?? null;
      const notify = [...new Set([r.assignee_id, lead].filter((x): x is number => x !== null).map(Number))];
      await recordTicketEvent(trx, Number(r.id), 'system', 'complaint.escalated', { hours: s.complaintEscalationHours, notify }, now);
    }
    return due.rows.length;
  });
}
