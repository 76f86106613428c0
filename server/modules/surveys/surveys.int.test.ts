import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { seedDemoSurveys } from '../demo/index.ts';
import { createStaticSegment } from '../segments/index.ts';
import { dispatchEvents } from '../../events/index.ts';
import { patronComposition } from '../../modules.ts';
import { surveyToken } from './surveys.ts';

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });
const NPS_SURVEY = {
  name: '购物体验 NPS',
  title: t('您愿意推荐我们吗？', 'Would you recommend us?'),
  questions: [
    {
      id: 'nps',
      type: 'nps',
      text: t('您有多大可能向朋友推荐本店？', 'How likely are you to recommend us?'),
      skip: [{ min: 9, goTo: 'praise' }],
    },
    { id: 'why', type: 'text', text: t('哪里让您不满意？', 'What let you down?') },
    {
      id: 'area',
      type: 'multiple',
      required: false,
      text: t('涉及哪些方面？', 'Which areas?'),
      choices: [
        { key: 'delivery', text: t('物流', 'Delivery') },
        { key: 'quality', text: t('质量', 'Quality') },
      ],
      skip: [{ in: ['quality'], goTo: 'end' }],
    },
    { id: 'praise', type: 'text', required: false, text: t('最喜欢什么？', 'What did you like most?') },
  ],
};

describe('surveys', () => {
  let patron: Patron;
  let owner: Session;
  const api = apiAs(
    () => patron,
    () => owner,
  );
  const people: number[] = [];
  /** The signed link of each invited person, as the queued invitation carries it. */
  const linkOf = async (surveyId: number, customerId: number) => {
    const m = await patron.ctx.db
      .selectFrom('messages')
      .select('variables')
      .where('key', '=', `survey:${surveyId}:${customerId}`)
      .executeTakeFirstOrThrow();
    return new URL((m.variables as { survey_url: string }).survey_url).pathname;
  };
  const post = (url: string, form: Record<string, string | string[]>, cookie?: string) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return patron.http.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'zh-CN', ...(cookie ? { cookie } : {}) },
    });
  };

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    for (let i = 0; i < 4; i++) {
      const c = await api('POST', '/customers', { email: `survey${i}@example.com`, name: `问卷${i}` });
      people.push(c.json().id ?? c.json().customerId);
    }
  });
  afterAll(() => patron.close());

  it('refuses a survey whose logic loops back or names no question, with stable codes', async () => {
    const back = await api('POST', '/surveys', {
      ...NPS_SURVEY,
      questions: [{ ...NPS_SURVEY.questions[1], skip: [{ in: ['x'], goTo: 'why' }] }],
    });
    expect(back.statusCode).toBe(400);
    expect(back.json().error.code).toBe('SURVEY_INVALID');
    expect((await api('POST', '/surveys', { ...NPS_SURVEY, questions: [] })).statusCode).toBe(400);
    expect((await api('GET', '/surveys/999999')).json().error.code).toBe('SURVEY_NOT_FOUND');
  });

  it('invites people once, leads each through the questions their answers choose, keeps partial answers, one response each', async () => {
    const s = (await api('POST', '/surveys', NPS_SURVEY)).json();
    expect((await api('POST', `/surveys/${s.id}/invitations`, { customerIds: people })).json().error.code).toBe('SURVEY_STATUS_CONFLICT');
    expect((await api('POST', `/surveys/${s.id}/status`, { status: 'open' })).json().status).toBe('open');
    expect((await api('POST', `/surveys/${s.id}/invitations`, { customerIds: people })).json()).toEqual({
      invited: 4,
      alreadyInvited: 0,
      queued: 4,
    });
    expect((await api('POST', `/surveys/${s.id}/invitations`, { customerIds: people })).json()).toEqual({
      invited: 0,
      alreadyInvited: 4,
      queued: 0,
    });

    // A detractor: why → areas (quality ends it).
    const a = await linkOf(s.id, people[0]);
    expect((await patron.http.inject({ method: 'GET', url: a, headers: { 'accept-language': 'zh-CN' } })).body).toContain(
      '您有多大可能向朋友推荐本店？',
    );
    expect((await post(a, { q: 'nps', value: '11' })).statusCode).toBe(400);
    expect((await post(a, { q: 'nps', value: '' })).body).toContain('请先回答这道题');
    expect((await post(a, { q: 'nps', value: '3' })).statusCode).toBe(303);
    // Partial: the score is kept before the rest is answered.
    const partial = await patron.ctx.db
      .selectFrom('survey_responses')
      .select(['nps', 'completed'])
      .where('customer_id', '=', people[0])
      .executeTakeFirstOrThrow();
    expect(partial).toEqual({ nps: 3, completed: false });
    expect((await patron.http.inject({ method: 'GET', url: a })).body).toContain('哪里让您不满意');
    await post(a, { q: 'why', value: '物流太慢了，等了一周' });
    await post(a, { q: 'area', value: ['delivery', 'quality'] });
    expect((await patron.http.inject({ method: 'GET', url: a })).body).toContain('感谢您的反馈');

    // A promoter jumps to the praise and may skip it; then changes their score, still one response.
    const b = await linkOf(s.id, people[1]);
    await post(b, { q: 'nps', value: '10' });
    expect((await patron.http.inject({ method: 'GET', url: b })).body).toContain('最喜欢什么');
    await post(b, { q: 'praise', value: '' });
    await post(b, { q: 'nps', value: '9' });
    const rows = await patron.ctx.db
      .selectFrom('survey_responses')
      .select(['nps', 'completed'])
      .where('customer_id', '=', people[1])
      .execute();
    expect(rows).toEqual([{ nps: 9, completed: true }]);

    for (const [i, score, why] of [
      [2, '5', '物流速度慢'],
      [3, '8', '客服态度很好'],
    ] as const) {
      const link = await linkOf(s.id, people[i]);
      await post(link, { q: 'nps', value: score });
      await post(link, { q: 'why', value: why });
      await post(link, { q: 'area', value: 'delivery' });
      // Not ended by the areas: the last (optional) question is still theirs to pass over.
      await post(link, { q: 'praise', value: '' });
    }

    const r = (await api('GET', `/surveys/${s.id}/results`)).json();
    expect(r).toMatchObject({ responses: 4, completed: 4, nps: { promoters: 1, passives: 1, detractors: 2, answers: 4, score: -25 } });
    expect(r.nps.interval.low).toBeLessThan(-25);
    const area = r.questions.find((q: { id: string }) => q.id === 'area');
    expect(area.distribution).toEqual([
      { value: 'delivery', count: 3 },
      { value: 'quality', count: 1 },
    ]);
    const why = r.questions.find((q: { id: string }) => q.id === 'why');
    expect(why.themes[0]).toMatchObject({ words: expect.arrayContaining(['物流']), count: 2 });

    // Breakdowns: by what each person bought, their tier today, the segments asked for.
    for (const [i, sku] of [
      [0, 'SCARF'],
      [1, 'SCARF'],
      [1, 'GLOVES'],
    ] as const) {
      const o = await api('POST', '/orders', {
        channel: 'tmall',
        externalId: `SV-${i}-${sku}`,
        customer: { email: `survey${i}@example.com` },
        status: 'paid',
        totalAmount: 9_900,
        placedAt: '2026-11-01T02:00:00Z',
        items: [{ sku, name: sku === 'SCARF' ? '围巾' : '手套', quantity: 1, unitPrice: 9_900 }],
      });
      expect(o.statusCode, o.body).toBe(200);
    }
    await patron.ctx.db
      .insertInto('loyalty_members')
      .values({ customer_id: people[1], member_no: 'M-SV-1', joined_at: new Date(), source: 'test', tier: 'gold' })
      .execute();
    const actor = { type: 'system' as const, id: null, label: 'test', ip: null };
    const clock = { now: new Date(), timeZone: 'Asia/Shanghai' };
    const vip = (await createStaticSegment(patron.ctx.db, { name: 'VIP', customerIds: [people[1], people[3]], actor, clock })).segment.id;
    const split = (await api('GET', `/surveys/${s.id}/results?segments=${vip}`)).json().breakdowns;
    expect(split.product).toEqual([
      { key: 'SCARF', label: '围巾', answers: 2, nps: 0, csat: null },
      { key: 'GLOVES', label: '手套', answers: 1, nps: 100, csat: null },
    ]);
    expect(split.tier).toContainEqual({ key: 'gold', label: 'gold', answers: 1, nps: 100, csat: null });
    expect(split.segment).toEqual([{ key: String(vip), label: 'VIP', answers: 2, nps: 50, csat: null }]);
    expect(split.channel.reduce((n: number, c: { answers: number }) => n + c.answers, 0)).toBe(4);
    expect((await api('GET', `/surveys/${s.id}/results?segments=1,x`)).json().error.code).toBe('VALIDATION_FAILED');

    const csv = await api('GET', `/surveys/${s.id}/responses.csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('delivery|quality');
    expect(csv.body.split('\n').filter(Boolean)).toHaveLength(5);
    // The answers on the 360 page and as a segment condition; closing freezes them.
    const panels = (await api('GET', `/customers/${people[0]}/panels`)).json().items;
    expect(panels.find((p: { key: string }) => p.key === 'surveys').rows[0]).toMatchObject({ nps: 3, completed: true });
    const preview = await api('POST', '/segments/preview', {
      rules: {
        type: 'group',
        op: 'and',
        children: [{ type: 'field', field: 'surveys.nps_detractor_90d', operator: 'is_true', value: true }],
      },
    });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().count).toBe(2);
    expect((await api('POST', `/surveys/${s.id}/status`, { status: 'closed' })).json().status).toBe('closed');
    expect((await post(a, { q: 'nps', value: '10' })).statusCode).toBe(303);
    expect((await patron.http.inject({ method: 'GET', url: a })).body).toContain('问卷已结束');
    const kept = await patron.ctx.db
      .selectFrom('survey_responses')
      .select('nps')
      .where('customer_id', '=', people[0])
      .executeTakeFirstOrThrow();
    expect(kept.nps).toBe(3);
  });

  it('lets a detractor into a journey that follows up (回访)', async () => {
    // Answers of the tests before were finished before this journey existed.
    while ((await dispatchEvents(patron.ctx, patronComposition.subscriptions)) > 0);
    const j = await api('POST', '/journeys', {
      key: 'detractor-follow-up',
      name: '贬损者回访',
      definition: {
        trigger: { type: 'survey', npsMin: 0, npsMax: 6 },
        start: 'call',
        steps: [{ id: 'call', type: 'task', title: '回访不满意的客户', assignee: { role: 'service_agent' }, dueInHours: 24, next: null }],
      },
    });
    expect(j.statusCode, j.body).toBe(200);
    expect((await api('POST', `/journeys/${j.json().id}/activate`)).statusCode).toBe(200);
    const s = (await api('POST', '/surveys', NPS_SURVEY)).json();
    await api('POST', `/surveys/${s.id}/status`, { status: 'open' });
    await api('POST', `/surveys/${s.id}/invitations`, { customerIds: [people[2], people[3]], channel: 'none' });
    const inv = await patron.ctx.db.selectFrom('survey_invitations').select(['id', 'customer_id']).where('survey_id', '=', s.id).execute();
    for (const [k, score] of [
      [people[2], '2'],
      [people[3], '10'],
    ] as const) {
      const link = `/s/${surveyToken(patron.ctx.keyring, Number(inv.find((x) => Number(x.customer_id) === k)?.id))}`;
      await post(link, { q: 'nps', value: score });
      if (score === '2') {
        await post(link, { q: 'why', value: '太慢' });
        await post(link, { q: 'area', value: 'quality' });
      } else await post(link, { q: 'praise', value: '' });
    }
    while ((await dispatchEvents(patron.ctx, patronComposition.subscriptions)) > 0);
    const runs = await patron.ctx.db.selectFrom('journey_runs').select('customer_id').where('journey_id', '=', j.json().id).execute();
    expect(runs.map((r) => Number(r.customer_id))).toEqual([people[2]]);
  });

  it('takes anonymous answers on the public link, one response per browser, and refuses forged links', async () => {
    const s = (await api('POST', '/surveys', { ...NPS_SURVEY, anonymousLink: true })).json();
    const open = (await api('POST', `/surveys/${s.id}/status`, { status: 'open' })).json();
    const url = new URL(open.publicUrl).pathname;
    const first = await patron.http.inject({ method: 'GET', url });
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    await post(url, { q: 'nps', value: '10' }, cookie);
    await post(url, { q: 'nps', value: '7' }, cookie);
    const rows = await patron.ctx.db.selectFrom('survey_responses').select(['nps', 'customer_id']).where('survey_id', '=', s.id).execute();
    expect(rows).toEqual([{ nps: 7, customer_id: null }]);
    expect((await patron.http.inject({ method: 'GET', url: `${url}x` })).statusCode).toBe(404);
    expect((await patron.http.inject({ method: 'GET', url: '/s/MTIz.deadbeefdeadbeefdeadbeefdeadbeef' })).statusCode).toBe(404);
  });

  it('gives the demo store an NPS survey with answers and themes', async () => {
    for (let i = 0; i < 12; i++) await api('POST', '/customers', { email: `demo-survey${i}@example.com` });
    const written = await seedDemoSurveys(patron.ctx);
    expect(written).toBe(12);
    const s = (await api('GET', '/surveys')).json().items.find((x: { name: string }) => x.name === '购物体验 NPS');
    const r = (await api('GET', `/surveys/${s.id}/results`)).json();
    expect(r.nps.answers).toBe(12);
    expect(r.questions.find((q: { id: string }) => q.id === 'why').themes.length).toBeGreaterThan(1);
  });
});
