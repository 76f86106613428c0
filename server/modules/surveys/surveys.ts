import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import {
  SERVICE_CSAT_SURVEY,
  type SurveyBody,
  type SurveyView,
  type inviteBody,
  type surveyList,
  type surveyListQuery,
  surveyBody,
} from '../../../contracts/surveys.ts';
import type { Db, SurveyTable } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { signId } from '../../platform/signed-id.ts';
import { recordAudit } from '../audit/index.ts';
import { enqueueMessage } from '../messaging/index.ts';
import { SURVEY_TEMPLATES } from './templates.ts';

type Links = Pick<AppContext, 'keyring' | 'config'>;
const linkOf = (ctx: Links, invitationId: number) => `${ctx.config.publicUrl}/s/${surveyToken(ctx.keyring, invitationId)}`;

export const surveyErrors = {
  notFound: (id: number) => new AppError('SURVEY_NOT_FOUND', 'not_found', `Survey ${id} does not exist.`),
  invalid: (why: string) => new AppError('SURVEY_INVALID', 'invalid', why),
  status: (status: string, wanted: string) =>
    new AppError('SURVEY_STATUS_CONFLICT', 'conflict', `A survey that is ${status} cannot be ${wanted}.`, { status }),
};

/** Question ids unique, skip rules pointing forward at questions that exist (a survey cannot loop). */
export function checkSurvey(b: SurveyBody): void {
  const ids = b.questions.map((q) => q.id);
  if (new Set(ids).size !== ids.length) throw surveyErrors.invalid('Two questions share an id.');
  for (const [i, q] of b.questions.entries())
    for (const r of q.skip) {
      if (r.goTo === 'end') continue;
      const to = ids.indexOf(r.goTo);
      if (to <= i) throw surveyErrors.invalid(`Question "${q.id}" skips to "${r.goTo}", which is not a later question.`);
    }
}

export const surveyToken = (keyring: AppContext['keyring'], invitationId: number) => signId(keyring, 'survey', invitationId);
export const openSurveyToken = (keyring: AppContext['keyring'], surveyId: number) => signId(keyring, 'survey-open', surveyId);

type Row = Selectable<SurveyTable>;

async function present(ctx: AppContext, r: Row): Promise<SurveyView> {
  const counts = await sql<{ responses: number; completed: number; invited: number }>`
    select (select count(*) from survey_responses where survey_id = ${r.id})::int as responses,
      (select count(*) from survey_responses where survey_id = ${r.id} and completed)::int as completed,
      (select count(*) from survey_invitations where survey_id = ${r.id})::int as invited`.execute(ctx.db);
  const c = counts.rows[0];
  const d = surveyBody.parse(r.definition);
  return {
    ...d,
    id: Number(r.id),
    status: r.status,
    responses: Number(c.responses),
    completed: Number(c.completed),
    invited: Number(c.invited),
    systemKey: r.system_key,
    publicUrl:
      r.anonymous_link && r.status === 'open' ? `${ctx.config.publicUrl}/s/open/${openSurveyToken(ctx.keyring, Number(r.id))}` : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    closedAt: r.closed_at?.toISOString() ?? null,
  };
}

export async function surveyRow(db: Db, id: number): Promise<Row> {
  const r = await db.selectFrom('surveys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw surveyErrors.notFound(id);
  return r;
}

export const getSurvey = async (ctx: AppContext, id: number) => present(ctx, await surveyRow(ctx.db, id));

/** A new survey (a draft) or a draft's new questions; an open survey's questions stay as people are answering them. */
export async function saveSurvey(ctx: AppContext, id: number | null, b: SurveyBody, actor: Actor): Promise<SurveyView> {
  checkSurvey(b);
  const now = ctx.clock.now();
  const values = { name: b.name, definition: JSON.stringify(b), anonymous_link: b.anonymousLink, updated_at: now };
  let surveyId = id;
  if (surveyId === null) {
    const row = await ctx.db
      .insertInto('surveys')
      .values({ ...values, status: 'draft', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    surveyId = Number(row.id);
  } else {
    const r = await surveyRow(ctx.db, surveyId);
    if (r.status !== 'draft') throw surveyErrors.status(r.status, 'edited');
    await ctx.db.updateTable('surveys').set(values).where('id', '=', surveyId).execute();
  }
  await recordAudit(ctx.db, { actor, action: id === null ? 'survey.create' : 'survey.update', target: { type: 'survey', id: surveyId } });
  return getSurvey(ctx, surveyId);
}

/** Opens a draft for answers, or closes an open survey (answers can no longer change). */
export async function setSurveyStatus(ctx: AppContext, id: number, to: 'open' | 'closed', actor: Actor): Promise<SurveyView> {
  const r = await surveyRow(ctx.db, id);
  if ((to === 'open' && r.status !== 'draft') || (to === 'closed' && r.status !== 'open')) throw surveyErrors.status(r.status, to);
  const now = ctx.clock.now();
  await ctx.db
    .updateTable('surveys')
    .set({ status: to, updated_at: now, closed_at: to === 'closed' ? now : null })
    .where('id', '=', id)
    .execute();
  await recordAudit(ctx.db, { actor, action: `survey.${to === 'open' ? 'open' : 'close'}`, target: { type: 'survey', id } });
  return getSurvey(ctx, id);
}

export async function listSurveys(ctx: AppContext, q: z.infer<typeof surveyListQuery>): Promise<z.infer<typeof surveyList>> {
  let base = ctx.db.selectFrom('surveys');
  if (q.status) base = base.where('status', '=', q.status);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const items = await Promise.all(rows.map((r) => present(ctx, r)));
  return { total: Number(total.n), items: items.map(({ questions: _q, intro: _i, ...s }) => s) };
}

/**
 * Invites a segment's members or listed people, once each per survey; with a channel, their invitation is queued
 * through messaging in the same transaction (`surveys.invite` / `.sms`; consent, quiet hours and caps apply there).
 */
export async function invite(ctx: AppContext, surveyId: number, b: z.infer<typeof inviteBody>, source: string) {
  const r = await surveyRow(ctx.db, surveyId);
  if (r.status !== 'open') throw surveyErrors.status(r.status, 'sent');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const people = b.segmentId
      ? sql`select customer_id from segment_members where segment_id = ${b.segmentId}`
      : sql`select unnest(${sql.val(b.customerIds ?? [])}::bigint[])`;
    const inserted = await sql<{ id: number; customer_id: number }>`
      insert into survey_invitations (survey_id, customer_id, source, created_at)
      select ${surveyId}, c.id, ${source}, ${now} from customers c
      where c.id in (${people}) and c.merged_into is null and c.erased_at is null
      on conflict (survey_id, customer_id, subject) do nothing
      returning id, customer_id`.execute(trx);
    const total = b.segmentId
      ? await sql<{ n: number }>`select count(*)::int as n from segment_members where segment_id = ${b.segmentId}`.execute(trx)
      : { rows: [{ n: new Set(b.customerIds).size }] };
    let queued = 0;
    if (b.channel !== 'none')
      for (const i of inserted.rows) {
        await enqueueMessage(trx, {
          key: `survey:${surveyId}:${i.customer_id}`,
          customerId: Number(i.customer_id),
          template: SURVEY_TEMPLATES[b.channel],
          source: `survey:${surveyId}`,
          variables: { survey_url: linkOf(ctx, Number(i.id)) },
        });
        queued++;
      }
    return { invited: inserted.rows.length, alreadyInvited: Math.max(0, Number(total.rows[0].n) - inserted.rows.length), queued };
  });
}

/**
 * Each person's link to an open survey, their invitation made if it is not there yet (once per survey and subject:
 * `ticket:<id>` asks about one ticket, '' about nothing in particular) — for whoever sends it: the service desk after
 * a solved ticket, a journey step, a campaign. Null when the survey is not open (the caller decides what then).
 */
export async function surveyLinks(
  db: Db,
  ctx: Links,
  a: { surveyId: number; customerIds: readonly number[]; subject?: string; source: string; now: Date },
): Promise<Map<number, string> | null> {
  const s = await db.selectFrom('surveys').select('status').where('id', '=', a.surveyId).executeTakeFirst();
  if (s?.status !== 'open') return null;
  if (a.customerIds.length === 0) return new Map();
  const rows = await sql<{ id: number; customer_id: number }>`
    insert into survey_invitations (survey_id, customer_id, subject, source, created_at)
    select ${a.surveyId}, c.id, ${a.subject ?? ''}, ${a.source}, ${a.now} from customers c
    where c.id = any(${sql.val(a.customerIds)}::bigint[]) and c.merged_into is null and c.erased_at is null
    on conflict (survey_id, customer_id, subject) do update set source = survey_invitations.source
    returning id, customer_id`.execute(db);
  return new Map(rows.rows.map((r) => [Number(r.customer_id), linkOf(ctx, Number(r.id))]));
}

/** Which of these surveys exist and are open (a journey checks its survey steps when it is published). */
export async function surveysOpen(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('surveys').select('id').where('id', 'in', ids).where('status', '=', 'open').execute();
  return new Set(rows.map((r) => Number(r.id)));
}

/** The surveys Patron keeps for its own use, each created open the first time the module starts. */
const SYSTEM_SURVEYS: Record<string, SurveyBody> = { 'service.csat': SERVICE_CSAT_SURVEY };

export async function ensureSystemSurveys(db: Db, now: Date): Promise<void> {
  for (const [key, b] of Object.entries(SYSTEM_SURVEYS))
    await db
      .insertInto('surveys')
      .values({
        name: b.name,
        definition: JSON.stringify(b),
        anonymous_link: false,
        status: 'open',
        system_key: key,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('system_key').doNothing())
      .execute();
}

export async function systemSurveyId(db: Db, key: string): Promise<number | null> {
  const r = await db.selectFrom('surveys').select('id').where('system_key', '=', key).executeTakeFirst();
  return r ? Number(r.id) : null;
}
