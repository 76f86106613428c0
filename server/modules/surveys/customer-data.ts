import { sql } from 'kysely';
import { type CustomerData, type CustomerPanel, type SegmentField, isoTime, labels, panelRows } from '../../platform/registry.ts';

/**
 * A person's invitations and answers follow them through a merge and are exported. Erasure deletes their free-text
 * answers and keeps the scores without a person (the survey's statistics); their invitations go.
 */
export const surveysData: readonly CustomerData[] = [
  { table: 'survey_invitations', export: { name: 'survey_invitations', file: 'survey_invitations.csv', orderBy: 'id' }, erase: 'delete' },
  {
    table: 'survey_responses',
    export: { name: 'survey_responses', file: 'survey_responses.csv', orderBy: 'id' },
    erase: async (trx, e) => {
      const r = await sql`
        update survey_responses set customer_id = null, invitation_id = null, respondent = 'erased:' || id,
          answers = coalesce((select jsonb_object_agg(key, value) from jsonb_each(answers) where jsonb_typeof(value) <> 'string'), '{}')
        where customer_id = ${e.customerId}`.execute(trx);
      return { survey_responses: Number(r.numAffectedRows ?? 0) };
    },
  },
];

export const surveysFields: readonly SegmentField[] = [
  {
    key: 'surveys.last_nps',
    type: 'number',
    label: labels('最近 NPS 评分', 'Last NPS score'),
    expr: sql`(select r.nps from survey_responses r where r.customer_id = c.id and r.nps is not null order by r.updated_at desc limit 1)`,
  },
  {
    key: 'surveys.nps_detractor_90d',
    type: 'boolean',
    label: labels('近 90 天 NPS 贬损者', 'NPS detractor in the last 90 days'),
    expr: sql`exists (select 1 from survey_responses r where r.customer_id = c.id and r.nps <= 6 and r.updated_at > now() - interval '90 days')`,
  },
];

type ResponseRow = { name: string; nps: number | null; completed: boolean; updated_at: string };

/** The person's survey answers on the 360: which survey, when, their NPS, finished or not. */
export const surveysPanel: CustomerPanel = {
  key: 'surveys',
  title: labels('问卷回答', 'Survey answers'),
  columns: [
    { key: 'survey', label: labels('问卷', 'Survey') },
    { key: 'nps', label: labels('NPS', 'NPS') },
    { key: 'completed', label: labels('已完成', 'Finished') },
    { key: 'at', label: labels('时间', 'When'), type: 'datetime' },
  ],
  select: () =>
    panelRows(
      sql`select r.id, s.name, r.nps, r.completed, r.updated_at
        from survey_responses r join surveys s on s.id = r.survey_id where r.customer_id = c.id order by r.updated_at desc, r.id desc limit 20`,
      sql`r.updated_at desc, r.id desc`,
    ),
  present: (rows: ResponseRow[]) => ({
    rows: rows.map((r) => ({ survey: r.name, nps: r.nps, completed: r.completed, at: isoTime(r.updated_at) })),
  }),
};
