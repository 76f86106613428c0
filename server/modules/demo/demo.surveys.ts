import { sql } from 'kysely';
import { SURVEY_STARTER } from '../../../contracts/surveys.ts';
import type { AppContext } from '../../platform/context.ts';
import { answer, invite, saveSurvey, setSurveyStatus } from '../surveys/index.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'demo store', ip: null };

/** What the demo store's customers said, with their score: a spread a real shop might see, themes included. */
const ANSWERS: [number, string][] = [
  [10, '发货很快，包装也很用心'],
  [9, '客服回复及时，态度很好'],
  [10, '质量好，已经回购三次了'],
  [8, '东西不错，就是物流有点慢'],
  [7, '价格偏贵，希望多一些优惠'],
  [6, '物流太慢了，等了一周'],
  [3, '收到的商品有破损，退货流程也麻烦'],
  [9, '会员积分很实用'],
  [5, '客服回复太慢'],
  [10, '包装精美，送人很合适'],
  [8, '质量不错，尺码偏小'],
  [4, '物流慢，包装也破了'],
];

/**
 * The demo store's NPS survey: open, its first customers invited (links only, nothing sent), and their answers — so
 * the surveys page shows an NPS with its interval and the free-text themes. Returns the responses written.
 */
export async function seedDemoSurveys(ctx: AppContext): Promise<number> {
  const survey = await saveSurvey(ctx, null, { ...SURVEY_STARTER, name: '购物体验 NPS' }, ACTOR);
  await setSurveyStatus(ctx, survey.id, 'open', ACTOR);
  const people = await sql<{ id: number }>`select id from customers where merged_into is null order by id limit ${ANSWERS.length}`.execute(
    ctx.db,
  );
  await invite(ctx, survey.id, { customerIds: people.rows.map((p) => Number(p.id)), channel: 'none' }, 'demo store');
  const now = ctx.clock.now();
  for (const [i, p] of people.rows.entries()) {
    const [score, why] = ANSWERS[i];
    const who = { surveyId: survey.id, key: `c:${p.id}`, customerId: Number(p.id), invitationId: null };
    await answer(ctx.db, who, 'nps', { value: String(score) }, now);
    await answer(ctx.db, who, 'why', { value: why }, now);
  }
  return people.rows.length;
}
