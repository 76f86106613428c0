import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/**
 * Surveys: NPS, CSAT, CES, choices, ratings, matrices and free text, in Simplified Chinese and English, with skip
 * logic (an answer sends the respondent to a later question or to the end). One response per person per survey,
 * kept as it is filled in and changeable until the survey closes.
 */
const texts = z.strictObject({ 'zh-CN': z.string().trim().min(1).max(500), en: z.string().trim().min(1).max(500) });
const questionId = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9_-]+$/);

/** Where an answer leads: a later question, or the end. Checked in order; none matching: the next question. */
export const skipRule = z.strictObject({
  /** The answer equals one of these (a choice key, a score as text). */
  in: z.array(z.string().max(100)).max(20).optional(),
  /** A score at least / at most this. */
  min: z.number().optional(),
  max: z.number().optional(),
  goTo: z.union([questionId, z.literal('end')]),
});
export type SkipRule = z.infer<typeof skipRule>;

const base = { id: questionId, text: texts, required: z.boolean().default(true), skip: z.array(skipRule).max(10).default([]) };
const choice = z.strictObject({ key: z.string().regex(/^[a-z0-9_]{1,40}$/), text: texts });

export const surveyQuestion = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('nps') }).describe('0–10: how likely to recommend'),
  z.strictObject({ ...base, type: z.literal('csat') }).describe('1–5 satisfaction'),
  z.strictObject({ ...base, type: z.literal('ces') }).describe('1–7: how easy it was'),
  z.strictObject({ ...base, type: z.literal('rating'), scale: z.number().int().min(3).max(10).default(5) }),
  z.strictObject({ ...base, type: z.literal('single'), choices: z.array(choice).min(2).max(20) }),
  z.strictObject({ ...base, type: z.literal('multiple'), choices: z.array(choice).min(2).max(20) }),
  z.strictObject({
    ...base,
    type: z.literal('matrix'),
    rows: z.array(choice).min(1).max(10),
    scale: z.number().int().min(3).max(7).default(5),
  }),
  z.strictObject({ ...base, type: z.literal('text'), maxLength: z.number().int().min(10).max(5000).default(1000) }),
]);
export type SurveyQuestion = z.infer<typeof surveyQuestion>;

export const surveyBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  title: texts,
  intro: z.strictObject({ 'zh-CN': z.string().max(2000), en: z.string().max(2000) }).default({ 'zh-CN': '', en: '' }),
  questions: z.array(surveyQuestion).min(1).max(50),
  /** Anyone with the survey's public link may answer (one response per browser); else only invited people. */
  anonymousLink: z.boolean().default(false),
});
export type SurveyBody = z.infer<typeof surveyBody>;

export const SURVEY_STATUSES = ['draft', 'open', 'closed'] as const;

export const surveyView = surveyBody.extend({
  id: z.number().int(),
  status: z.enum(SURVEY_STATUSES),
  responses: z.number().int(),
  completed: z.number().int(),
  invited: z.number().int(),
  publicUrl: z.string().nullable().describe('The anonymous link, when allowed and open'),
  systemKey: z.string().nullable().describe('Set on a survey Patron keeps for its own use (service.csat: the ticket CSAT)'),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
});
export type SurveyView = z.infer<typeof surveyView>;
export const surveyList = pageOf(surveyView.omit({ questions: true, intro: true }));
export const surveyListQuery = z.strictObject({ ...pageQuery, status: z.enum(SURVEY_STATUSES).optional() });

export const inviteBody = z
  .strictObject({
    /** Invite a segment's members, or listed people. */
    segmentId: z.number().int().positive().optional(),
    customerIds: z.array(z.number().int().positive()).max(10_000).optional(),
    /** Send the invitation through messaging (consent, quiet hours, caps apply) with this template; none: links only. */
    channel: z.enum(['email', 'sms', 'none']).default('email'),
  })
  .refine((b) => b.segmentId !== undefined || (b.customerIds?.length ?? 0) > 0, 'a segment or customers');
export const inviteResult = z.object({ invited: z.number().int(), alreadyInvited: z.number().int(), queued: z.number().int() });

/** An answer as stored: a score, a choice key, several keys, matrix row → score, or text. */
export const answerValue = z.union([
  z.number(),
  z.string().max(5000),
  z.array(z.string().max(100)).max(20),
  z.record(z.string(), z.number()),
]);
export type AnswerValue = z.infer<typeof answerValue>;

const interval = z.object({ low: z.number(), high: z.number() });
const breakdownRow = z.object({
  key: z.string().describe('A channel code, tier key, SKU or segment id; "" for none'),
  label: z.string(),
  answers: z.number().int(),
  nps: z.number().nullable(),
  csat: z.number().nullable(),
});
export const surveyResultsQuery = z.strictObject({
  /** Segments to break the results down by (their members today), comma-separated ids. */
  segments: z
    .string()
    .regex(/^\d{1,12}(,\d{1,12}){0,9}$/, 'up to ten segment ids, comma-separated')
    .transform((s) => s.split(',').map(Number))
    .optional(),
});
export const surveyResults = z.object({
  responses: z.number().int(),
  completed: z.number().int(),
  /** NPS of the first NPS question: promoters − detractors (percentage points), with its 95% interval. */
  nps: z
    .object({
      score: z.number(),
      interval,
      promoters: z.number().int(),
      passives: z.number().int(),
      detractors: z.number().int(),
      answers: z.number().int(),
    })
    .nullable(),
  questions: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      answers: z.number().int(),
      average: z.number().nullable(),
      /** Count per value (a score, a choice key; a matrix row's scores as row:score). */
      distribution: z.array(z.object({ value: z.string(), count: z.number().int() })),
      /** Free-text answers grouped into themes: the words that make each, and example answers. */
      themes: z.array(z.object({ words: z.array(z.string()), count: z.number().int(), examples: z.array(z.string()) })).optional(),
    }),
  ),
  /** The NPS by week (Monday, store time zone). */
  byWeek: z.array(z.object({ week: z.string(), answers: z.number().int(), nps: z.number() })),
  /**
   * Responses by the customer's first sales channel, loyalty tier today, the products they bought (those of the order
   * the response is about, else all theirs; the 20 most answered) and the segments asked for: the NPS where the
   * survey asks one, the average of its first CSAT question where it asks one.
   */
  breakdowns: z.object({
    channel: z.array(breakdownRow),
    tier: z.array(breakdownRow),
    product: z.array(breakdownRow),
    segment: z.array(breakdownRow),
  }),
});
export type SurveyResults = z.infer<typeof surveyResults>;

const both = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/** What a new survey starts as in the builder: the classic NPS with a follow-up question. */
export const SURVEY_STARTER: SurveyBody = {
  name: 'NPS',
  title: both('您愿意向朋友推荐我们吗？', 'Would you recommend us?'),
  intro: both('', ''),
  anonymousLink: false,
  questions: [
    {
      id: 'nps',
      type: 'nps',
      text: both('您有多大可能向朋友推荐本店？', 'How likely are you to recommend us to a friend?'),
      required: true,
      skip: [],
    },
    {
      id: 'why',
      type: 'text',
      text: both('您给出这个分数的主要原因是？', 'What is the main reason for your score?'),
      required: false,
      skip: [],
      maxLength: 1000,
    },
  ],
};
/**
 * The survey the service desk asks after a solved ticket unless its settings name another: satisfaction, and what
 * else the customer wants to say. Patron keeps it (key `service.csat`); the store may reword it in the builder.
 */
export const SERVICE_CSAT_SURVEY: SurveyBody = {
  name: '服务满意度 / Service satisfaction',
  title: both('您对这次服务满意吗？', 'How did we do?'),
  intro: both('', ''),
  anonymousLink: false,
  questions: [
    {
      id: 'csat',
      type: 'csat',
      text: both('您对这次服务的满意程度如何？', 'How satisfied are you with the help you received?'),
      required: true,
      skip: [],
    },
    {
      id: 'comment',
      type: 'text',
      text: both('还有什么想告诉我们的吗？', 'Is there anything else you would like to tell us?'),
      required: false,
      skip: [],
      maxLength: 1000,
    },
  ],
};

/** A question added in the builder, and the choices a choice question starts with. */
export const starterQuestion = (n: number): SurveyQuestion => ({
  id: `q${n}`,
  type: 'csat',
  text: both('新问题', 'New question'),
  required: true,
  skip: [],
});
export const STARTER_CHOICES = [
  { key: 'a', text: both('选项一', 'Option 1') },
  { key: 'b', text: both('选项二', 'Option 2') },
];
