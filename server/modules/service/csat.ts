import { sql } from 'kysely';
import type { ServiceSettings } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { readSignedId, signId } from '../../platform/signed-id.ts';
import type { DomainEventPayload } from '../../../contracts/events.ts';
import type { EventSubscription } from '../../events/index.ts';
import { enqueueMessage } from '../messaging/index.ts';
import { surveyLinks, systemSurveyId } from '../surveys/index.ts';
import { recordTicketEvent } from './trail.ts';

const PURPOSE = 'feedback-request';

export const feedbackToken = (keyring: Keyring, id: number) => signId(keyring, PURPOSE, id);
export const readFeedbackToken = (keyring: Keyring, token: string) => readSignedId(keyring, PURPOSE, token);
export const feedbackUrl = (publicUrl: string, keyring: Keyring, id: number) => `${publicUrl}/f/${feedbackToken(keyring, id)}`;

/** The messaging templates CSAT requests go out with, per channel the customer wrote on. */
export const CSAT_TEMPLATES = { email: 'service.csat', sms: 'service.csat.sms' } as const;

type Solved = { id: number; customer_id: number | null; assignee_id: number | null; queue: string | null; type: string };

/**
 * Asks for a rating `delayHours` after a ticket is solved — once per ticket: solving it again after a reopen moves the
 * time of a request not yet sent and never sends a second.
 */
export async function scheduleCsat(trx: Db, c: { now: Date; settings: ServiceSettings }, t: Solved): Promise<void> {
  const sendAt = new Date(c.now.getTime() + c.settings.csat.delayHours * 3_600_000);
  await trx
    .insertInto('feedback_requests')
    .values({
      kind: 'csat',
      subject_type: 'ticket',
      subject_id: t.id,
      customer_id: t.customer_id,
      agent_id: t.assignee_id,
      queue: t.queue,
      ticket_type: t.type,
      send_at: sendAt,
    })
    .onConflict((oc) =>
      oc
        .columns(['kind', 'subject_type', 'subject_id'])
        .doUpdateSet({ send_at: sendAt, agent_id: t.assignee_id, cancelled_at: null })
        .where('feedback_requests.sent_at', 'is', null),
    )
    .execute();
}

/**
 * Sends the CSAT requests that fell due, each a link to the desk's CSAT survey about that ticket, through messaging (the template of the ticket's channel; consent and quiet
 * hours apply there). A request whose ticket is open again waits until it is solved again; one whose ticket was
 * skipped meanwhile is cancelled.
 */
export async function sendDueCsat(ctx: AppContext, settings: ServiceSettings, now: Date): Promise<number> {
  const surveyId = settings.csat.surveyId ?? (await systemSurveyId(ctx.db, 'service.csat'));
  return ctx.db.transaction().execute(async (trx) => {
    const due = await sql<{ id: number; ticket_id: number; customer_id: number; channel: string; subject: string; skip: boolean }>`
      select f.id, t.id as ticket_id, f.customer_id, t.channel, t.subject, t.csat_skip as skip
      from feedback_requests f join tickets t on t.id = f.subject_id
      where f.kind = 'csat' and f.subject_type = 'ticket' and f.sent_at is null and f.cancelled_at is null and f.send_at <= ${now}
        and f.customer_id is not null and t.status in ('solved', 'closed')
      order by f.send_at limit 500 for update of f skip locked`.execute(trx);
    for (const r of due.rows) {
      const id = Number(r.id);
      if (r.skip) {
        await trx.updateTable('feedback_requests').set({ cancelled_at: now }).where('id', '=', id).execute();
        continue;
      }
      const customerId = Number(r.customer_id);
      const subject = `ticket:${r.ticket_id}`;
      const links =
        surveyId === null ? null : await surveyLinks(trx, ctx, { surveyId, customerIds: [customerId], subject, source: subject, now });
      await enqueueMessage(trx, {
        key: `csat:${id}`,
        customerId,
        template: r.channel === 'sms' ? CSAT_TEMPLATES.sms : CSAT_TEMPLATES.email,
        variables: {
          ticket: { id: Number(r.ticket_id), subject: r.subject },
          // The survey engine's page; the desk's own one-question page when the survey is closed or gone.
          survey_url: links?.get(customerId) ?? feedbackUrl(ctx.config.publicUrl, ctx.keyring, id),
        },
        source: subject,
      });
      await trx.updateTable('feedback_requests').set({ sent_at: now }).where('id', '=', id).execute();
      await recordTicketEvent(trx, Number(r.ticket_id), 'system', 'csat.sent', { requestId: id }, now);
    }
    return due.rows.length;
  });
}

/** A request as its public page shows it (null: no such request). */
export async function feedbackOf(db: Db, id: number) {
  return sql<{ id: number; subject: string; rating: number | null; comment: string | null; sent_at: Date | null }>`
    select f.id, t.subject, f.rating, f.comment, f.sent_at from feedback_requests f join tickets t on t.id = f.subject_id
    where f.id = ${id} and f.subject_type = 'ticket'`
    .execute(db)
    .then((r) => r.rows[0] ?? null);
}

/** Records (or corrects, within 14 days of the request) the customer's rating and comment. */
export async function answerFeedback(db: Db, id: number, answer: { rating: number; comment?: string }, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('feedback_requests')
      .set({ rating: answer.rating, comment: answer.comment || null, answered_at: now })
      .where('id', '=', id)
      .where('sent_at', 'is not', null)
      .where('sent_at', '>', new Date(now.getTime() - 14 * 86_400_000))
      .returning(['subject_id'])
      .executeTakeFirst();
    if (!r) return false;
    await recordTicketEvent(trx, Number(r.subject_id), 'customer', 'csat.answered', { rating: answer.rating }, now);
    return true;
  });
}

/**
 * A ticket's CSAT answered on the survey engine: the rating (and comment) land on the ticket's request as the desk's
 * own page would put them, so the ticket, the 360 page and the service report read one place. A change of rating
 * is a new line in the ticket's trail; a comment added later is not.
 */
export const csatFromSurveys: EventSubscription = {
  name: 'service-csat-from-surveys',
  types: ['survey.answered'],
  handle: async (event, ctx) => {
    const p = event.payload as DomainEventPayload<'survey.answered'>;
    const ticket = /^ticket:(\d+)$/.exec(p.subject);
    if (!ticket || p.csat === null) return;
    // Each delivery runs in the dispatcher's transaction: the request row is locked until it commits.
    const r = await sql<{ subject_id: number; before: number | null }>`
      update feedback_requests f set rating = ${p.csat}, comment = ${p.comment}, answered_at = ${event.occurredAt}
      from (select id, rating from feedback_requests where kind = 'csat' and subject_type = 'ticket' and subject_id = ${Number(ticket[1])} for update) old
      where f.id = old.id and f.sent_at is not null
      returning f.subject_id, old.rating as before`.execute(ctx.db);
    const row = r.rows[0];
    if (row && row.before !== p.csat)
      await recordTicketEvent(
        ctx.db,
        Number(row.subject_id),
        'customer',
        'csat.answered',
        { rating: p.csat, surveyId: p.surveyId },
        event.occurredAt,
      );
  },
};
