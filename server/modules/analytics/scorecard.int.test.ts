import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SURVEY_STARTER } from '../../../contracts/surveys.ts';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { answer, saveSurvey, setSurveyStatus } from '../surveys/index.ts';

describe('cross-channel scorecard', () => {
  let patron: Patron;
  let owner: Session;
  const api = apiAs(
    () => patron,
    () => owner,
  );
  const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
  let n = 0;
  const order = async (channel: string, phone: string, total: number, placed: string) => {
    const r = await api('POST', '/orders', {
      channel,
      externalId: `SC-${++n}`,
      customer: { phone },
      status: 'delivered',
      totalAmount: total,
      placedAt: placed,
      paidAt: placed,
      deliveredAt: placed,
      items: [{ sku: 'TEA', name: '茶叶', quantity: 2, unitPrice: total / 2 }],
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { orderId: number; customerId: number };
  };

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
  });
  afterAll(() => patron.close());

  it('sets the channels side by side: buyers new and returning, revenue and share, repeat and return rates, NPS, contacts', async () => {
    // A returning buyer (ordered last year) who buys twice on Tmall; a new buyer on Tmall; a new buyer on JD.
    await order('tmall', '+8613700000001', 10_000, day(-400));
    const a = await order('tmall', '+8613700000001', 20_000, day(-3));
    await order('tmall', '+8613700000001', 20_000, day(-2));
    await order('tmall', '+8613700000002', 10_000, day(-2));
    const c = await order('jd', '+8613700000003', 30_000, day(-1));
    // The JD buyer also bought on Tmall (overlap), returns one unit of their JD order, opens a ticket, is a detractor.
    await order('tmall', '+8613700000003', 10_000, day(-1));
    const lines = (await api('GET', `/orders/${c.orderId}/returnable`)).json().lines;
    expect(
      (
        await api('POST', '/returns', {
          orderId: c.orderId,
          reason: 'quality',
          lines: [{ orderItemId: lines[0].orderItemId, quantity: 1 }],
        })
      ).statusCode,
    ).toBe(201);
    await api('POST', '/tickets', { subject: '茶叶受潮', body: '打开就受潮了', customerId: c.customerId, type: 'complaint' });
    const actor = { type: 'system' as const, id: null, label: 'test', ip: null };
    const survey = await saveSurvey(patron.ctx, null, SURVEY_STARTER, actor);
    await setSurveyStatus(patron.ctx, survey.id, 'open', actor);
    await answer(
      patron.ctx.db,
      { surveyId: survey.id, key: `c:${c.customerId}`, customerId: c.customerId, invitationId: null },
      'nps',
      { value: '3' },
      new Date(),
    );
    await answer(
      patron.ctx.db,
      { surveyId: survey.id, key: `c:${a.customerId}`, customerId: a.customerId, invitationId: null },
      'nps',
      { value: '10' },
      new Date(),
    );

    const from = day(-10).slice(0, 10);
    const to = day(1).slice(0, 10);
    const res = await api('GET', `/analytics/scorecard?from=${from}&to=${to}`);
    expect(res.statusCode, res.body).toBe(200);
    const card = res.json();
    const tmall = card.channels.find((x: { channel: string }) => x.channel === 'tmall');
    const jd = card.channels.find((x: { channel: string }) => x.channel === 'jd');
    expect(tmall).toMatchObject({
      customers: 3,
      newCustomers: 2,
      repeatCustomers: 1,
      orders: 4,
      revenue: 60_000,
      averageOrderValue: 15_000,
      returnRate: 0,
    });
    expect(tmall.repeatRate).toBeCloseTo(1 / 3, 3);
    expect(tmall.revenueShare).toBeCloseTo(60_000 / 90_000, 3);
    expect(tmall.nps).toBe(0);
    expect(jd).toMatchObject({
      customers: 1,
      newCustomers: 1,
      orders: 1,
      revenue: 30_000,
      returnRate: 0.5,
      nps: -100,
      contactsPerOrder: 1,
    });
    expect(card.overlap).toContainEqual({ a: 'jd', b: 'tmall', customers: 1 });
    expect((await api('GET', '/analytics/scorecard?from=x&to=y')).statusCode).toBe(400);
  });
});
