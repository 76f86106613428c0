import { stringify } from 'csv-stringify/sync';
import { type RawBuilder, sql } from 'kysely';
import { type SurveyResults, surveyBody } from '../../../contracts/surveys.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { safeRow } from '../../platform/csv-safe.ts';
import { recordAudit } from '../audit/index.ts';
import { npsOf, scaleOf } from './flow.ts';
import { surveyRow } from './surveys.ts';
import { themesOf } from '../knowledge/index.ts';

/** NPS from counts of promoters and detractors among answers (SQL gives the counts). */
const npsFromCounts = (answers: number, promoters: number, detractors: number) =>
  answers > 0 ? Math.round(((promoters - detractors) / answers) * 1000) / 10 : 0;

type Breakdown = SurveyResults['breakdowns']['channel'];

/**
 * Responses counted per key of a join (a person's channel, tier, each product they bought, each segment they are in):
 * a response counts once per key; NPS from its promoters and detractors, CSAT the first CSAT question's average.
 */
async function breakdown(
  db: Db,
  b: {
    surveyId: number;
    csatId: string | null;
    join: RawBuilder<unknown>;
    key: RawBuilder<unknown>;
    label: RawBuilder<unknown>;
    limit: number;
  },
): Promise<Breakdown> {
  const csat =
    b.csatId === null
      ? sql`null::numeric`
      : sql`case when jsonb_typeof(r.answers -> ${b.csatId}) = 'number' then (r.answers ->> ${b.csatId})::numeric end`;
  const rows = await sql<{ key: string | null; label: string | null; n: number; nn: number; p: number; d: number; csat: string | null }>`
    with x as (
      select distinct on (r.id, ${b.key}) r.id, r.nps, ${csat} as csat, ${b.key} as key, ${b.label} as label
      from survey_responses r left join survey_invitations v on v.id = r.invitation_id ${b.join}
      where r.survey_id = ${b.surveyId})
    select key, max(label) as label, count(*)::int as n, count(nps)::int as nn, count(*) filter (where nps >= 9)::int as p,
      count(*) filter (where nps <= 6)::int as d, round(avg(csat), 2) as csat
    from x group by key order by n desc, key limit ${b.limit}`.execute(db);
  return rows.rows.map((r) => ({
    key: r.key ?? '',
    label: r.label ?? '',
    answers: Number(r.n),
    nps: Number(r.nn) > 0 ? npsFromCounts(Number(r.nn), Number(r.p), Number(r.d)) : null,
    csat: r.csat === null ? null : Number(r.csat),
  }));
}

/**
 * A survey's results: the NPS with its interval and buckets, each question's answers and distribution (scores,
 * choices, matrix rows), free text grouped into themes, the NPS by week, and breakdowns by channel, tier, product
 * bought and chosen segments.
 */
export async function surveyResults(db: Db, surveyId: number, timeZone: string, segments: readonly number[] = []): Promise<SurveyResults> {
  const row = await surveyRow(db, surveyId);
  const d = surveyBody.parse(row.definition);
  const counts = await sql<{ responses: number; completed: number }>`
    select count(*)::int as responses, count(*) filter (where completed)::int as completed from survey_responses where survey_id = ${surveyId}`.execute(
    db,
  );
  const scores = await sql<{ nps: number; n: number }>`
    select nps, count(*)::int as n from survey_responses where survey_id = ${surveyId} and nps is not null group by nps`.execute(db);
  const npsScores = scores.rows.flatMap((r) => Array<number>(Number(r.n)).fill(Number(r.nps)));
  const scalar = await sql<{ q: string; v: string; n: number }>`
    select a.key as q, a.value #>> '{}' as v, count(*)::int as n from survey_responses r, jsonb_each(r.answers) a
    where r.survey_id = ${surveyId} and jsonb_typeof(a.value) in ('number', 'string') group by 1, 2`.execute(db);
  const multi = await sql<{ q: string; v: string; n: number }>`
    select a.key as q, e.v, count(*)::int as n from survey_responses r, jsonb_each(r.answers) a, jsonb_array_elements_text(a.value) e(v)
    where r.survey_id = ${surveyId} and jsonb_typeof(a.value) = 'array' group by 1, 2`.execute(db);
  const matrix = await sql<{ q: string; v: string; n: number }>`
    select a.key as q, m.key || ':' || (m.value #>> '{}') as v, count(*)::int as n
    from survey_responses r, jsonb_each(r.answers) a, jsonb_each(a.value) m
    where r.survey_id = ${surveyId} and jsonb_typeof(a.value) = 'object' group by 1, 2`.execute(db);
  const answered = await sql<{ q: string; n: number }>`
    select a.key as q, count(*)::int as n from survey_responses r, jsonb_each(r.answers) a
    where r.survey_id = ${surveyId} and jsonb_typeof(a.value) <> 'null' group by 1`.execute(db);
  const answeredOf = (id: string) => Number(answered.rows.find((r) => r.q === id)?.n ?? 0);
  const textIds = d.questions.filter((q) => q.type === 'text').map((q) => q.id);
  const texts =
    textIds.length === 0
      ? { rows: [] as { q: string; v: string }[] }
      : await sql<{ q: string; v: string }>`
          select a.key as q, a.value #>> '{}' as v from survey_responses r, jsonb_each(r.answers) a
          where r.survey_id = ${surveyId} and a.key in (${sql.join(textIds)}) and jsonb_typeof(a.value) = 'string'
          order by r.updated_at desc limit 5000`.execute(db);
  const weekly = await sql<{ week: string; n: number; p: number; d: number }>`
    select to_char(date_trunc('week', updated_at at time zone ${timeZone}), 'YYYY-MM-DD') as week, count(*)::int as n,
      count(*) filter (where nps >= 9)::int as p, count(*) filter (where nps <= 6)::int as d
    from survey_responses where survey_id = ${surveyId} and nps is not null group by 1 order by 1`.execute(db);
  const csatId = d.questions.find((q) => q.type === 'csat')?.id ?? null;
  const by = (join: RawBuilder<unknown>, key: RawBuilder<unknown>, label: RawBuilder<unknown>, limit = 50) =>
    breakdown(db, { surveyId, csatId, join, key, label, limit });
  const [channel, tier, product, segment] = await Promise.all([
    by(sql`left join customers c on c.id = r.customer_id left join channels ch on ch.id = c.first_channel_id`, sql`ch.code`, sql`ch.name`),
    by(sql`left join loyalty_members m on m.customer_id = r.customer_id and m.status = 'active'`, sql`m.tier`, sql`m.tier`),
    by(
      // A response about an order counts that order's products; any other, everything the person bought.
      sql`join order_items i on i.customer_id = r.customer_id
        and (i.order_id::text = substring(v.subject from '^order:([0-9]+)$') or coalesce(v.subject, '') !~ '^order:')`,
      sql`i.sku`,
      sql`i.name`,
      20,
    ),
    segments.length === 0
      ? Promise.resolve([])
      : by(
          sql`join segment_members sm on sm.customer_id = r.customer_id and sm.segment_id = any(${sql.val(segments)}::bigint[]) join segments g on g.id = sm.segment_id`,
          sql`g.id::text`,
          sql`g.name`,
        ),
  ]);

  const byQuestion = (rows: { q: string; v: string; n: number }[], id: string) =>
    rows.filter((r) => r.q === id).map((r) => ({ value: r.v, count: Number(r.n) }));
  return {
    responses: Number(counts.rows[0].responses),
    completed: Number(counts.rows[0].completed),
    nps: npsOf(npsScores),
    questions: d.questions.map((q) => {
      if (q.type === 'text') {
        const answers = texts.rows.filter((r) => r.q === q.id).map((r) => r.v);
        return { id: q.id, type: q.type, answers: answeredOf(q.id), average: null, distribution: [], themes: themesOf(answers) };
      }
      const distribution =
        q.type === 'multiple'
          ? byQuestion(multi.rows, q.id)
          : q.type === 'matrix'
            ? byQuestion(matrix.rows, q.id)
            : byQuestion(scalar.rows, q.id);
      const scale = scaleOf(q);
      const total = distribution.reduce((s, x) => s + x.count, 0);
      const average =
        scale && total > 0 ? Math.round((distribution.reduce((s, x) => s + Number(x.value) * x.count, 0) / total) * 100) / 100 : null;
      return {
        id: q.id,
        type: q.type,
        answers: answeredOf(q.id),
        average,
        distribution: distribution.sort((a, b) => a.value.localeCompare(b.value, undefined, { numeric: true })),
      };
    }),
    byWeek: weekly.rows.map((w) => ({ week: w.week, answers: Number(w.n), nps: npsFromCounts(Number(w.n), Number(w.p), Number(w.d)) })),
    breakdowns: { channel, tier, product, segment },
  };
}

/**
 * Every response as CSV, one column per question (choices joined by |, matrix rows as row:score), for a spreadsheet
 * (formula-like cells defused). The export is audited: free text may name people.
 */
export async function responsesCsv(db: Db, surveyId: number, actor: Actor): Promise<string> {
  const row = await surveyRow(db, surveyId);
  const d = surveyBody.parse(row.definition);
  const rows = await db
    .selectFrom('survey_responses')
    .select(['id', 'customer_id', 'completed', 'nps', 'answers', 'updated_at'])
    .where('survey_id', '=', surveyId)
    .orderBy('id')
    .execute();
  await recordAudit(db, {
    actor,
    action: 'survey.responses_export',
    target: { type: 'survey', id: surveyId },
    details: { rows: rows.length },
  });
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? ''
      : Array.isArray(v)
        ? v.join('|')
        : typeof v === 'object'
          ? Object.entries(v as Record<string, number>)
              .map(([k, n]) => `${k}:${n}`)
              .join('|')
          : v;
  const head = ['response', 'customer_id', 'completed', 'nps', 'updated_at', ...d.questions.map((q) => q.id)];
  const body = rows.map((r) => {
    const answers = r.answers as Record<string, unknown>;
    return safeRow([
      Number(r.id),
      r.customer_id ?? '',
      r.completed,
      r.nps ?? '',
      r.updated_at.toISOString(),
      ...d.questions.map((q) => cell(answers[q.id])),
    ]);
  });
  return `\uFEFF${stringify([head, ...body])}`;
}
