import { type SurveyBody, type SurveyQuestion, surveyBody } from '../../../contracts/surveys.ts';
import type { Db } from '../../db/index.ts';
import { emit } from '../../events/index.ts';
import { type AnswerProblem, type Answers, readAnswer, walk } from './flow.ts';
import { surveyRow } from './surveys.ts';

/**
 * Who answers: an invited person (their invitation; about a subject such as a ticket, once per subject) or an anonymous
 * browser (its own key).
 */
export type Respondent = { surveyId: number; key: string; customerId: number | null; invitationId: number | null; subject?: string };

/** The key a response is kept under: one per person and survey, or per person, survey and subject. */
export const invitedKey = (customerId: number, subject: string) => (subject ? `c:${customerId}:${subject}` : `c:${customerId}`);

const firstScore = (questions: readonly SurveyQuestion[], type: 'nps' | 'csat', path: string[], answers: Answers) => {
  const q = questions.find((x) => x.type === type && path.includes(x.id));
  return q && typeof answers[q.id] === 'number' ? (answers[q.id] as number) : null;
};

export type Sheet = {
  survey: SurveyBody & { id: number; status: string };
  answers: Answers;
  next: SurveyQuestion | null;
  path: string[];
  completed: boolean;
};

/** The survey, the respondent's answers so far and the next question their answers lead to. */
export async function sheetOf(db: Db, r: Respondent): Promise<Sheet> {
  const row = await surveyRow(db, r.surveyId);
  const survey = { ...surveyBody.parse(row.definition), id: Number(row.id), status: row.status };
  const response = await db
    .selectFrom('survey_responses')
    .select(['answers', 'completed'])
    .where('survey_id', '=', r.surveyId)
    .where('respondent', '=', r.key)
    .executeTakeFirst();
  const answers = (response?.answers ?? {}) as Answers;
  const { path, next } = walk(survey.questions, answers);
  return { survey, answers, path, next: survey.questions.find((q) => q.id === next) ?? null, completed: response?.completed ?? false };
}

/**
 * Saves one answer (a partial response is kept as it grows) and whether the respondent has reached the end. An
 * answered question may be answered again while the survey is open; the response stays one per respondent.
 */
export async function answer(
  db: Db,
  r: Respondent,
  questionId: string,
  form: Record<string, string | string[] | undefined>,
  now: Date,
): Promise<AnswerProblem | 'closed' | null> {
  return db.transaction().execute(async (trx) => {
    const sheet = await sheetOf(trx, r);
    if (sheet.survey.status !== 'open') return 'closed';
    const q = sheet.survey.questions.find((x) => x.id === questionId);
    if (!q) return 'invalid';
    const value = readAnswer(q, form);
    if (value === 'required' || value === 'invalid') return value;
    const answers: Answers = { ...sheet.answers, [q.id]: value };
    const { path, next } = walk(sheet.survey.questions, answers);
    const kept = Object.fromEntries(Object.entries(answers).filter(([id]) => path.includes(id) || id === next));
    const completed = next === null;
    const nps = firstScore(sheet.survey.questions, 'nps', path, kept);
    const saved = await trx
      .insertInto('survey_responses')
      .values({
        survey_id: r.surveyId,
        respondent: r.key,
        customer_id: r.customerId,
        invitation_id: r.invitationId,
        answers: JSON.stringify(kept),
        nps,
        completed,
        started_at: now,
        updated_at: now,
        completed_at: completed ? now : null,
      })
      .onConflict((oc) =>
        oc.columns(['survey_id', 'respondent']).doUpdateSet({
          answers: JSON.stringify(kept),
          nps,
          completed,
          updated_at: now,
          completed_at: completed ? now : null,
        }),
      )
      .returning(['id'])
      .executeTakeFirstOrThrow();
    const subject = r.subject ?? '';
    if ((completed || subject) && r.customerId !== null) {
      const text = sheet.survey.questions.find((x) => x.type === 'text' && typeof kept[x.id] === 'string');
      await emit(trx, {
        key: `survey:${r.surveyId}:${r.key}:${now.getTime()}`,
        type: 'survey.answered',
        customerId: r.customerId,
        occurredAt: now,
        payload: {
          surveyId: r.surveyId,
          responseId: Number(saved.id),
          nps,
          csat: firstScore(sheet.survey.questions, 'csat', path, kept),
          completed,
          subject,
          comment: subject && text ? (kept[text.id] as string) : null,
        },
      });
    }
    return null;
  });
}
