import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, as, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { dispatchEvents } from '../../events/index.ts';
import { patronComposition } from '../../modules.ts';
import { attributeNew } from '../campaigns/index.ts';
import { sendDue } from '../messaging/index.ts';
import { createRefreshedSegment, refreshSegment, ruleClockOf } from '../segments/index.ts';
import { insertEvents } from '../events/index.ts';
import { enterByDate } from './dates.ts';
import { shippedTemplate } from './library.ts';
import { followEvents } from './events.ts';
import { dryRun } from './journeys.service.ts';
import { advanceDue } from './runner.ts';

/** 10:00 on 3 December 2026 in Shanghai, the store's time zone. */
const T0 = new Date('2026-12-03T02:00:00Z');
const plus = (minutes: number, from = T0) => new Date(from.getTime() + minutes * 60_000);

describe('journeys', () => {
  let patron: Patron;
  let owner: Session;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    patron.http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(owner),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const at = (now: Date) => ({ ...patron.ctx, clock: { now: () => now } });
  /** Delivers every pending domain event (the order lifecycle) as the dispatcher would at `now`. */
  const dispatch = async (now: Date) => {
    while ((await dispatchEvents(at(now), patronComposition.subscriptions)) > 0);
  };
  const advance = async (now: Date) => {
    let n = 0;
    for (let taken = 1; taken > 0; ) {
      taken = await advanceDue(at(now));
      n += taken;
    }
    return n;
  };
  const order = async (o: { externalId: string; phone: string; status: string; placedAt: Date; paidAt?: Date; total?: number }) => {
    const res = await api('POST', '/orders', {
      channel: 'tmall',
      externalId: o.externalId,
      customer: { phone: o.phone, name: '买家' },
      status: o.status,
      totalAmount: o.total ?? 39_800,
      placedAt: o.placedAt.toISOString(),
      paidAt: o.paidAt?.toISOString() ?? null,
      items: [{ sku: 'SKU-1', name: '羊绒围巾', quantity: 1, unitPrice: o.total ?? 39_800 }],
    });
    expect(res.statusCode).toBe(200);
    return res.json() as { orderId: number; customerId: number };
  };
  const runsOf = async (customerId: number) => (await api('GET', `/journey-runs?customerId=${customerId}`)).json().items;
  const messagesOf = (customerId: number) =>
    patron.ctx.db.selectFrom('messages').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
  let unpaid: number;

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    expect((await api('POST', '/journeys/library')).json()).toEqual({ added: 13 });
    expect((await api('POST', '/journeys/library')).json()).toEqual({ added: 0 });
    const list = (await api('GET', '/journeys')).json().items;
    unpaid = list.find((j: { key: string }) => j.key === 'unpaid-reminder').id;
    expect(list.map((j: { status: string }) => j.status)).toEqual(Array(13).fill('draft'));
    const on = await api('POST', `/journeys/${unpaid}/activate`);
    expect(on.json()).toMatchObject({ status: 'active', version: 1 });
    // The journey brought its template.
    expect((await api('GET', '/message-templates')).json().items.map((t: { key: string }) => t.key)).toContain('order-unpaid');
  });
  afterAll(() => patron.close());

  it('催付: an order still unpaid 30 minutes after it was placed gets one reminder, then the run ends', async () => {
    const { customerId } = await order({ externalId: 'TB-1', phone: '13800001111', status: 'pending_payment', placedAt: T0 });
    await dispatch(plus(1));
    expect((await runsOf(customerId))[0]).toMatchObject({ status: 'waiting', step: 'wait-30', dueAt: T0.toISOString() });
    await advance(plus(1));
    expect((await runsOf(customerId))[0]).toMatchObject({ status: 'waiting', step: 'still-unpaid', dueAt: plus(30).toISOString() });
    expect(await advance(plus(29))).toBe(0);
    await advance(plus(30));
    const [run] = await runsOf(customerId);
    expect(run).toMatchObject({ status: 'completed', version: 1 });
    expect(run.log.map((l: { type: string; outcome: Record<string, unknown> }) => [l.type, l.outcome.result ?? null])).toEqual([
      ['enter', null],
      ['wait', null],
      ['order_status', true],
      ['message', null],
    ]);
    await sendDue(at(plus(31)));
    const [m] = await messagesOf(customerId);
    expect(m).toMatchObject({ status: 'sent', template_key: 'order-unpaid', key: `journey:${run.id}:remind`, source: `journey:${unpaid}` });
    expect((await api('GET', `/journeys/${unpaid}`)).json().steps).toEqual({
      'wait-30': { taken: 1, waiting: 0, errors: 0 },
      'still-unpaid': { taken: 1, waiting: 0, errors: 0 },
      remind: { taken: 1, waiting: 0, errors: 0 },
    });
    // Another unpaid order the same day: at most one reminder per buyer per 24 hours.
    await order({ externalId: 'TB-1B', phone: '13800001111', status: 'pending_payment', placedAt: plus(120) });
    await dispatch(plus(121));
    expect(await runsOf(customerId)).toHaveLength(1);
  });

  it('催付: paying before the reminder ends the run (the goal), and no reminder is sent', async () => {
    const { customerId } = await order({ externalId: 'TB-2', phone: '13800002222', status: 'pending_payment', placedAt: T0 });
    await dispatch(plus(1));
    await advance(plus(1));
    await order({ externalId: 'TB-2', phone: '13800002222', status: 'paid', placedAt: T0, paidAt: plus(10) });
    await dispatch(plus(11));
    expect((await runsOf(customerId))[0]).toMatchObject({ status: 'exited', exitReason: 'goal: order paid' });
    await advance(plus(31));
    expect(await messagesOf(customerId)).toEqual([]);
  });

  it('催付: an order at 23:10 is reminded at 08:00, not in the night; tiny orders and imported history never enter', async () => {
    const night = new Date('2026-12-03T15:10:00Z'); // 23:10 in Shanghai
    const { customerId } = await order({ externalId: 'TB-3', phone: '13800003333', status: 'pending_payment', placedAt: night });
    await dispatch(plus(1, night));
    await advance(plus(1, night));
    await advance(plus(30, night));
    await sendDue(at(plus(31, night)));
    const [held] = await messagesOf(customerId);
    expect(held).toMatchObject({ status: 'queued' });
    expect(held.not_before.toISOString()).toBe('2026-12-04T00:00:00.000Z');
    await sendDue(at(new Date('2026-12-04T00:00:30Z')));
    expect((await messagesOf(customerId))[0]).toMatchObject({ status: 'sent' });
    const tiny = await order({ externalId: 'TB-4', phone: '13800004444', status: 'pending_payment', placedAt: T0, total: 500 });
    await dispatch(plus(1));
    expect(await runsOf(tiny.customerId)).toEqual([]);
  });

  it('keeps a run on the version it entered with when the journey is changed and published again', async () => {
    const { customerId } = await order({ externalId: 'TB-5', phone: '13800005555', status: 'pending_payment', placedAt: T0 });
    await dispatch(plus(1));
    await advance(plus(1));
    const j = (await api('GET', `/journeys/${unpaid}`)).json();
    const slower = {
      ...j.definition,
      steps: j.definition.steps.map((s: { id: string }) => (s.id === 'wait-30' ? { ...s, minutes: 120 } : s)),
    };
    await api('PUT', `/journeys/${unpaid}`, { name: j.name, description: j.description, definition: slower });
    expect((await api('POST', `/journeys/${unpaid}/activate`)).json()).toMatchObject({ version: 2 });
    await advance(plus(30));
    expect((await runsOf(customerId))[0]).toMatchObject({ status: 'completed', version: 1 });
    expect(await messagesOf(customerId)).toHaveLength(1);
    // New entrants follow version 2.
    const later = await order({ externalId: 'TB-6', phone: '13800006666', status: 'pending_payment', placedAt: T0 });
    await dispatch(plus(1));
    await advance(plus(1));
    expect((await runsOf(later.customerId))[0]).toMatchObject({ version: 2, dueAt: plus(120).toISOString() });
  });

  it('refuses to publish a journey that cannot run, listing each problem', async () => {
    const bad = await api('POST', '/journeys', {
      key: 'broken',
      name: 'Broken',
      definition: {
        trigger: { type: 'manual' },
        start: 'a',
        steps: [
          { id: 'a', type: 'condition', rules: { type: 'group', op: 'and', children: [] }, yes: 'b', no: 'nowhere' },
          { id: 'b', type: 'message', template: 'no-such-template', next: 'a' },
          { id: 'orphan', type: 'exit' },
        ],
      },
    });
    expect(bad.statusCode).toBe(200);
    const res = await api('POST', `/journeys/${bad.json().id}/activate`);
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'JOURNEY_INVALID']);
    expect(res.json().error.details.problems.map((p: { problem: string }) => p.problem)).toEqual([
      '"a" leads to "nowhere", which does not exist',
      'nothing leads to "orphan"',
      '"a" is in a loop without a wait',
      'the message template "no-such-template" does not exist',
    ]);
  });

  it('stops a run whose step keeps failing, with the error on the run and in its log — never a silent drop', async () => {
    await api('PUT', '/message-templates/gone-soon', {
      key: 'gone-soon',
      name: 'x',
      channel: 'sms',
      purpose: 'transactional',
      body: { 'zh-CN': '你好', en: 'Hi' },
    });
    const j = (
      await api('POST', '/journeys', {
        key: 'manual-hello',
        name: 'Hello',
        definition: { trigger: { type: 'manual' }, start: 'hi', steps: [{ id: 'hi', type: 'message', template: 'gone-soon', next: null }] },
      })
    ).json();
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    await api('DELETE', '/message-templates/gone-soon');
    const { customerId } = await order({ externalId: 'TB-7', phone: '13800007777', status: 'paid', placedAt: T0, paidAt: T0 });
    expect((await api('POST', `/journeys/${j.id}/enter`, { customerIds: [customerId], key: 'k1' })).json()).toEqual({
      entered: 1,
      skipped: 0,
    });
    expect((await api('POST', `/journeys/${j.id}/enter`, { customerIds: [customerId], key: 'k1' })).json()).toEqual({
      entered: 0,
      skipped: 1,
    });
    let now = new Date();
    for (let i = 0; i < 5; i++) {
      now = plus(60 * 24, now);
      await advance(now);
    }
    const [run] = (await api('GET', `/journeys/${j.id}/runs`)).json().items;
    expect(run).toMatchObject({ status: 'failed', error: 'No message template "gone-soon".' });
    expect(run.log.filter((l: { type: string }) => l.type === 'error')).toHaveLength(5);
  });

  it('tells what a draft would have done over the last days, from the stored events', async () => {
    const r = await dryRun(at(plus(60 * 24)), unpaid, 30);
    // Buyers of unpaid orders of at least ¥10 placed in the period (TB-1, TB-2, TB-3, TB-5, TB-6; not the ¥5 one).
    expect(r).toEqual({ days: 30, wouldEnter: 5 });
  });

  it('greets a lunar birthday on this year’s day of it, at 10:00 in the customer’s zone, once; a 29 February on the 28th', async () => {
    // Born 1990-10-03: the 15th of the 8th lunar month, which in 2026 is 25 September.
    const lunarBorn = (await api('POST', '/customers', { phone: '13900008888', name: '中秋', birthday: '1990-10-03' })).json().customerId;
    const gregorianOnly = (await api('POST', '/customers', { phone: '13900009999', name: '公历', birthday: '1990-09-25' })).json()
      .customerId;
    const leapling = (await api('POST', '/customers', { phone: '13911112222', name: '闰日', birthday: '1992-02-29' })).json().customerId;
    await api('PUT', '/message-templates/birthday-hello', {
      key: 'birthday-hello',
      name: 'b',
      channel: 'sms',
      purpose: 'transactional',
      body: { 'zh-CN': '生日快乐', en: 'Happy birthday' },
    });
    const journey = (calendar: string, key: string) =>
      api('POST', '/journeys', {
        key,
        name: key,
        definition: {
          trigger: { type: 'date', field: 'birthday', calendar, offsetDays: 0, time: '10:00' },
          start: 'hello',
          steps: [{ id: 'hello', type: 'message', template: 'birthday-hello', next: null }],
        },
      });
    const lunarJourney = (await journey('lunar', 'lunar-birthday')).json().id;
    expect((await api('POST', `/journeys/${lunarJourney}/activate`)).statusCode).toBe(200);
    const early = new Date('2026-09-24T20:00:00Z'); // 04:00 on 25 September in Shanghai
    expect(await enterByDate(at(early))).toBe(1);
    expect(await enterByDate(at(plus(60, early)))).toBe(0);
    expect((await runsOf(lunarBorn))[0]).toMatchObject({ status: 'waiting', dueAt: '2026-09-25T02:00:00.000Z' });
    expect(await runsOf(gregorianOnly)).toEqual([]);
    await advance(new Date('2026-09-25T02:00:00Z'));
    expect((await messagesOf(lunarBorn)).map((m) => m.template_key)).toEqual(['birthday-hello']);
    await api('POST', `/journeys/${lunarJourney}/pause`);
    const gregorianJourney = (await journey('gregorian', 'birthday-greg')).json().id;
    await api('POST', `/journeys/${gregorianJourney}/activate`);
    await enterByDate(at(new Date('2027-02-27T20:00:00Z')));
    expect((await runsOf(leapling))[0]).toMatchObject({ status: 'waiting', dueAt: '2027-02-28T02:00:00.000Z' });
    await api('POST', `/journeys/${gregorianJourney}/pause`);
  });

  it('abandoned checkout: a started checkout with no order within the hour gets one reminder; an order in time ends it', async () => {
    const checkout = (await api('GET', '/journeys')).json().items.find((j: { key: string }) => j.key === 'abandoned-checkout').id;
    expect((await api('POST', `/journeys/${checkout}/activate`)).statusCode).toBe(200);
    const C0 = plus(2 * 24 * 60);
    await followEvents(at(C0)); // the follower starts at the newest event: the past is not replayed
    const left = (await api('POST', '/customers', { phone: '13700001212', name: '犹豫' })).json().customerId;
    const bought = (await api('POST', '/customers', { phone: '13700003434', name: '果断' })).json().customerId;
    const track = (customerId: number, name: string, at: Date) =>
      insertEvents(patron.ctx.db, [
        {
          customerId,
          anonymousId: null,
          type: 'track',
          name,
          properties: { cart: 2 },
          occurredAt: at,
          receivedAt: at,
          messageId: `${name}-${customerId}-${at.getTime()}`,
        },
      ]);
    await track(left, 'Checkout Started', C0);
    await track(bought, 'Checkout Started', C0);
    await followEvents(at(plus(1, C0)));
    await advance(plus(1, C0));
    expect((await runsOf(left))[0]).toMatchObject({ status: 'waiting', step: 'wait-order', dueAt: plus(60, C0).toISOString() });
    await track(bought, 'Order Completed', plus(20, C0));
    await followEvents(at(plus(21, C0)));
    await advance(plus(21, C0));
    expect((await runsOf(bought))[0]).toMatchObject({ status: 'completed' });
    expect((await runsOf(left))[0]).toMatchObject({ status: 'waiting' });
    await advance(plus(60, C0));
    expect((await runsOf(left))[0]).toMatchObject({ status: 'completed' });
    expect((await messagesOf(left)).map((m) => m.template_key)).toEqual(['checkout-reminder']);
    expect(await messagesOf(bought)).toEqual([]);
    // The dry run counts both: each started a checkout in the period (what happened next is the journey's business).
    const j = (await api('GET', '/journeys')).json().items.find((x: { key: string }) => x.key === 'abandoned-checkout');
    expect(await dryRun(at(plus(24 * 60, C0)), j.id, 30)).toEqual({ days: 30, wouldEnter: 2 });
    expect(await dryRun(at(plus(40 * 24 * 60, C0)), j.id, 30)).toEqual({ days: 30, wouldEnter: 0 });
  });

  it('greets everyone on a holiday of the Chinese calendar (中秋), once, and only those the entry rules let in', async () => {
    const j = (await api('GET', '/journeys')).json().items.find((x: { key: string }) => x.key === 'holiday-greeting');
    // Only people named 中秋: the entry rules, checked on each person as they enter.
    const rules = { type: 'group', op: 'and', children: [{ type: 'profile', field: 'name', operator: 'eq', value: '中秋' }] };
    await api('PUT', `/journeys/${j.id}`, { name: j.name, description: j.description, definition: { ...j.definition, entryRules: rules } });
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    const named = await patron.ctx.db
      .selectFrom('customers')
      .select('id')
      .where('name', '=', '中秋')
      .where('merged_into', 'is', null)
      .execute();
    const early = new Date('2026-09-24T20:00:00Z'); // 04:00 on the Mid-Autumn Festival 2026 in Shanghai
    expect(await enterByDate(at(early))).toBe(named.length);
    expect(await enterByDate(at(plus(30, early)))).toBe(0);
    const runs = await patron.ctx.db.selectFrom('journey_runs').select(['customer_id', 'due_at']).where('journey_id', '=', j.id).execute();
    expect(runs.map((r) => Number(r.customer_id)).sort()).toEqual(named.map((c) => Number(c.id)).sort());
    expect(new Set(runs.map((r) => r.due_at?.toISOString()))).toEqual(new Set(['2026-09-25T02:00:00.000Z']));
    // The dry run a week later: over 30 days the festival fell, so everyone the rules let in; over 3 days nobody.
    const weekLater = new Date('2026-10-02T04:00:00Z');
    expect(await dryRun(at(weekLater), j.id, 30)).toEqual({ days: 30, wouldEnter: named.length });
    expect(await dryRun(at(weekLater), j.id, 3)).toEqual({ days: 3, wouldEnter: 0 });
  });

  it('creates a follow-up for staff (回访) that the assigned role sees as theirs, closed with its outcome once', async () => {
    const j = (
      await api('POST', '/journeys', {
        key: 'follow-up',
        name: '回访',
        definition: {
          trigger: { type: 'manual' },
          start: 'call',
          steps: [
            { id: 'call', type: 'task', title: '电话回访：包裹是否收到', assignee: { role: 'owner' }, dueInHours: 24, next: 'later' },
            { id: 'later', type: 'task', title: '客服跟进', assignee: { role: 'service_agent' }, dueInHours: 48, next: null },
          ],
        },
      })
    ).json();
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    const customerId = (await api('POST', '/customers', { phone: '13600001234', name: '回访客户' })).json().customerId;
    await api('POST', `/journeys/${j.id}/enter`, { customerIds: [customerId], key: 'f1' });
    await advance(new Date(Date.now() + 1000));
    const mine = (await api('GET', '/tasks')).json().items.filter((t: { customerId: number }) => t.customerId === customerId);
    expect(mine.map((t: { title: string; customerName: string; journey: string }) => [t.title, t.customerName, t.journey])).toEqual([
      ['电话回访：包裹是否收到', '回访客户', '回访'],
    ]);
    const all = (await api('GET', `/tasks?mine=false&customerId=${customerId}`)).json();
    expect(all.total).toBe(2);
    const done = await api('POST', `/tasks/${mine[0].id}/complete`, { outcome: '已收到，客户满意' });
    expect(done.json()).toEqual({ ok: true });
    const again = await api('POST', `/tasks/${mine[0].id}/complete`, { outcome: 'x' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'TASK_CLOSED']);
    const closed = (await api('GET', `/tasks?status=done&mine=false&customerId=${customerId}`)).json().items;
    expect(closed[0]).toMatchObject({ status: 'done', outcome: '已收到，客户满意' });
    // The 360 page shows both, the closed one with its outcome.
    const panel = (await api('GET', `/customers/${customerId}/panels`)).json().items.find((p: { key: string }) => p.key === 'follow-ups');
    expect(panel.rows.map((r: { task: string; status: string; outcome: string | null }) => [r.task, r.status, r.outcome])).toEqual([
      ['客服跟进', 'open', null],
      ['电话回访：包裹是否收到', 'done', '已收到，客户满意'],
    ]);
  });

  it('asks each order’s buyer a survey a week after paying, one response per order, and will not publish with a closed survey', async () => {
    const survey = (
      await api('POST', '/surveys', {
        name: '购物体验',
        title: { 'zh-CN': '购物体验', en: 'Your order' },
        questions: [{ id: 'nps', type: 'nps', text: { 'zh-CN': '推荐给朋友？', en: 'Recommend us?' } }],
      })
    ).json();
    const j = (
      await api('POST', '/journeys', {
        key: 'order-nps',
        name: '下单一周后 NPS',
        definition: {
          trigger: { type: 'order', event: 'paid', minTotal: 0, statuses: [], maxAgeHours: 24 },
          reentry: { policy: 'every' },
          start: 'week',
          steps: [
            { id: 'week', type: 'wait', minutes: 7 * 24 * 60, next: 'link' },
            { id: 'link', type: 'survey', surveyId: survey.id, next: 'ask' },
            { id: 'ask', type: 'message', template: 'surveys.invite.sms', next: null },
          ],
        },
      })
    ).json();
    const refused = await api('POST', `/journeys/${j.id}/activate`);
    expect(refused.json().error.details.problems).toContainEqual({
      step: 'link',
      problem: `the survey ${survey.id} does not exist or is not open`,
    });
    await api('POST', `/surveys/${survey.id}/status`, { status: 'open' });
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    const paidAt = plus(600);
    const week = 7 * 24 * 60;
    const first = await order({ externalId: 'NPS-1', phone: '13911112222', status: 'paid', placedAt: paidAt, paidAt });
    await dispatch(plus(1, paidAt));
    await advance(plus(2, paidAt));
    await advance(plus(week + 1, paidAt));
    // The next order, once the first run is over (a person is in a journey once at a time).
    const later = plus(week + 10, paidAt);
    const second = await order({ externalId: 'NPS-2', phone: '13911112222', status: 'paid', placedAt: later, paidAt: later });
    await dispatch(plus(1, later));
    await advance(plus(2, later));
    await advance(plus(week + 1, later));
    const runs = (await runsOf(first.customerId)).filter((r: { journeyId: number }) => r.journeyId === j.id);
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['completed', 'completed']);
    const invitations = await patron.ctx.db
      .selectFrom('survey_invitations')
      .select(['subject', 'source'])
      .where('survey_id', '=', survey.id)
      .where('customer_id', '=', first.customerId)
      .orderBy('subject')
      .execute();
    expect(invitations).toEqual([
      { subject: `order:${first.orderId}`, source: `journey:${j.id}` },
      { subject: `order:${second.orderId}`, source: `journey:${j.id}` },
    ]);
    const links = (await messagesOf(first.customerId))
      .filter((m) => m.template_key === 'surveys.invite.sms')
      .map((m) => (m.variables as { survey_url: string }).survey_url);
    expect(new Set(links).size).toBe(2);
    // Each link answers for its own order.
    for (const [i, link] of links.entries()) {
      const res = await patron.http.inject({
        method: 'POST',
        url: new URL(link).pathname,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `q=nps&value=${9 + i}`,
      });
      expect(res.statusCode).toBe(303);
    }
    const results = (await api('GET', `/surveys/${survey.id}/results`)).json();
    expect(results.nps).toMatchObject({ answers: 2, promoters: 2 });
    // A response about an order counts that order's products only (both orders are of SKU-1: once each).
    expect(results.breakdowns.product).toEqual([{ key: 'SKU-1', label: '羊绒围巾', answers: 2, nps: 100, csat: null }]);
  });

  it('checks the entry rules again before a send: a person who no longer meets them leaves without the message', async () => {
    const j = (
      await api('POST', '/journeys', {
        key: 'vip-only',
        name: 'VIP',
        definition: {
          trigger: { type: 'manual' },
          entryRules: { type: 'group', op: 'and', children: [{ type: 'profile', field: 'name', operator: 'eq', value: '贵宾' }] },
          start: 'later',
          steps: [
            { id: 'later', type: 'wait', minutes: 60, next: 'hello' },
            { id: 'hello', type: 'message', template: 'order-unpaid', next: null },
          ],
        },
      })
    ).json();
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    const vip = (await api('POST', '/customers', { phone: '13500005555', name: '贵宾' })).json().customerId;
    const other = (await api('POST', '/customers', { phone: '13500006666', name: '路人' })).json().customerId;
    expect((await api('POST', `/journeys/${j.id}/enter`, { customerIds: [vip, other], key: 'v1' })).json()).toEqual({
      entered: 1,
      skipped: 1,
    });
    const start = new Date(Date.now() + 1000);
    await advance(start);
    await api('POST', '/customers', { phone: '13500005555', name: '普通' });
    await advance(plus(61, start));
    expect((await runsOf(vip))[0]).toMatchObject({ status: 'exited', exitReason: 'entry rules no longer met' });
    expect(await messagesOf(vip)).toEqual([]);
  });

  it('sets an attribute, grants points, opens a ticket and calls a webhook, each once per run, and skips points for a non-member', async () => {
    expect((await api('POST', '/attributes', { key: 'vip_care', label: 'VIP 关怀', type: 'boolean' })).statusCode).toBe(201);
    const settings = (await api('GET', '/loyalty/settings')).json();
    expect((await api('PUT', '/loyalty/settings', { ...settings, enabled: true, joinRule: 'explicit' })).statusCode).toBe(200);
    const hook = await api('POST', '/webhooks', { name: 'CRM bridge', url: 'https://erp.example.com/hooks', events: ['journey.webhook'] });
    expect(hook.statusCode, hook.body).toBe(201);
    const definition = {
      trigger: { type: 'manual' },
      start: 'flag',
      steps: [
        { id: 'flag', type: 'attribute', key: 'vip_care', value: true, next: 'points' },
        { id: 'points', type: 'points', points: 200, reason: '流失挽回礼', next: 'ticket' },
        { id: 'ticket', type: 'ticket', subject: '高价值客户流失预警', body: '请在 24 小时内致电', priority: 'high', next: 'hook' },
        { id: 'hook', type: 'webhook', name: 'vip-at-risk', next: null },
      ],
    };
    const bad = await api('POST', '/journeys', {
      key: 'vip-care-bad',
      name: 'x',
      definition: { ...definition, steps: [{ ...definition.steps[0], key: 'nope', next: null }] },
    });
    const refused = await api('POST', `/journeys/${bad.json().id}/activate`);
    expect([refused.statusCode, refused.json().error.details.problems]).toEqual([
      400,
      [{ step: 'flag', problem: 'the attribute "nope" does not exist' }],
    ]);
    const j = (await api('POST', '/journeys', { key: 'vip-care', name: 'VIP 关怀', definition })).json();
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    const member = (await api('POST', '/customers', { phone: '13600005678', name: '金卡会员' })).json().customerId;
    const stranger = (await api('POST', '/customers', { phone: '13600005679', name: '路人' })).json().customerId;
    expect((await api('POST', '/loyalty/members', { customerId: member })).statusCode).toBe(201);
    await api('POST', `/journeys/${j.id}/enter`, { customerIds: [member, stranger], key: 'vip1' });
    const now = new Date(Date.now() + 1000);
    await advance(now);
    await dispatch(now);

    for (const id of [member, stranger]) {
      expect((await api('GET', `/customers/${id}`)).json().attributes).toMatchObject({ vip_care: true });
      const tickets = (await api('GET', `/tickets?customerId=${id}`)).json().items;
      expect(tickets.map((t: { subject: string; priority: string }) => [t.subject, t.priority])).toEqual([['高价值客户流失预警', 'high']]);
    }
    const points = (await api('GET', `/loyalty/members/${member}/ledger`)).json().items;
    expect(points.filter((e: { reason: string | null }) => e.reason === '流失挽回礼').map((e: { points: number }) => e.points)).toEqual([
      200,
    ]);
    const run = (await runsOf(stranger))[0];
    expect(run.status).toBe('completed');
    const steps = (await api('GET', `/journey-runs/${run.id}`)).json().log;
    expect(steps.find((s: { step: string }) => s.step === 'points').outcome).toEqual({ skipped: 'not a member' });
    const deliveries = await patron.ctx.db
      .selectFrom('outbound_deliveries')
      .select(['event_type', 'body'])
      .where('endpoint_id', '=', hook.json().id)
      .execute();
    expect(deliveries.map((d) => [d.event_type, JSON.parse(d.body).data.name, JSON.parse(d.body).data.journeyId]).sort()).toEqual([
      ['journey.webhook', 'vip-at-risk', j.id],
      ['journey.webhook', 'vip-at-risk', j.id],
    ]);

    // Entered again (a new run): the steps act again; the same run never does twice (keys journey:<run>:<step>).
    await api('POST', `/journeys/${j.id}/enter`, { customerIds: [member], key: 'vip2' });
    await advance(new Date(now.getTime() + 1000));
    const runs = await runsOf(member);
    expect(runs.length).toBe(runs.filter((r: { status: string }) => r.status === 'completed').length);
    expect((await api('GET', `/tickets?customerId=${member}`)).json().items).toHaveLength(runs.length);
  });

  it('ships the 开卡 anniversary, the welcome series, cross-sell, order care, win-back and repeat purchase ready to switch on (they publish as they are)', async () => {
    const list = (await api('GET', '/journeys')).json().items as { id: number; key: string }[];
    for (const key of ['card-anniversary', 'welcome-series', 'cross-sell', 'order-delivered-review', 'win-back', 'repeat-purchase']) {
      const j = list.find((x) => x.key === key);
      const on = await api('POST', `/journeys/${j?.id}/activate`);
      expect(on.statusCode, on.body).toBe(200);
      expect((await api('POST', `/journeys/${j?.id}/pause`)).statusCode).toBe(200);
    }
  });

  it('win-back: a valuable customer turning at risk enters through the segment the journey brought; staff get a call to make, the customer a message', async () => {
    const j = (await api('GET', '/journeys')).json().items.find((x: { key: string }) => x.key === 'win-back');
    const segmentId = j.definition.trigger.segmentId;
    const segment = (await api('GET', `/segments/${segmentId}`)).json();
    expect(segment).toMatchObject({ name: '挽回旅程：高价值流失预警', kind: 'dynamic' });
    // A store that already has a segment of that name keeps it; the next one is numbered.
    const again = await createRefreshedSegment(patron.ctx, patron.ctx.db, {
      name: '挽回旅程：高价值流失预警',
      description: '',
      rules: segment.rules,
      actor: { type: 'system', id: null, label: 'test', ip: null },
    });
    expect((await api('GET', `/segments/${again}`)).json().name).toBe('挽回旅程：高价值流失预警 (2)');
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    const W0 = new Date('2026-12-12T01:00:00Z');
    const { customerId: atRisk } = await order({
      externalId: 'WB-1',
      phone: '13900001001',
      status: 'completed',
      placedAt: plus(-200 * 24 * 60, W0),
    });
    const { customerId: cheap } = await order({
      externalId: 'WB-2',
      phone: '13900001002',
      status: 'completed',
      placedAt: plus(-200 * 24 * 60, W0),
    });
    const predict = (customerId: number, clv: number, churn: number) =>
      sql`insert into customer_metrics (customer_id, computed_at, lifecycle_stage, clv, churn_probability) values (${customerId}, now(), 'at_risk', ${clv}, ${churn})
        on conflict (customer_id) do update set clv = excluded.clv, churn_probability = excluded.churn_probability`.execute(patron.ctx.db);
    await predict(atRisk, 120_000, 0.8);
    await predict(cheap, 9_000, 0.9);
    await refreshSegment(patron.ctx.db, segmentId, await ruleClockOf(at(W0)));
    await dispatch(plus(1, W0));
    await advance(plus(1, W0));
    expect(await runsOf(cheap)).toEqual([]);
    expect((await runsOf(atRisk))[0]).toMatchObject({ status: 'waiting', step: 'miss-you', dueAt: '2026-12-12T02:00:00.000Z' });
    const tasks = await patron.ctx.db.selectFrom('journey_tasks').selectAll().where('customer_id', '=', atRisk).execute();
    expect(tasks).toMatchObject([{ title: '高价值客户有流失风险，请回访', assignee_role: 'service_agent' }]);
    await advance(new Date('2026-12-12T02:00:00Z'));
    expect((await messagesOf(atRisk)).map((m) => m.template_key)).toContain('win-back');
    expect((await api('POST', `/journeys/${j.id}/pause`)).statusCode).toBe(200);
  });

  it('repeat purchase: two days before the predicted next order, at 10:00 in the customer’s zone, once', async () => {
    const j = (await api('GET', '/journeys')).json().items.find((x: { key: string }) => x.key === 'repeat-purchase');
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);
    const { customerId: due } = await order({ externalId: 'RP-1', phone: '13900002001', status: 'completed', placedAt: T0 });
    const { customerId: later } = await order({ externalId: 'RP-2', phone: '13900002002', status: 'completed', placedAt: T0 });
    const nextOrder = (customerId: number, at: string) =>
      sql`insert into customer_metrics (customer_id, computed_at, lifecycle_stage, next_order_at) values (${customerId}, now(), 'active', ${at}::timestamptz)
        on conflict (customer_id) do update set next_order_at = excluded.next_order_at`.execute(patron.ctx.db);
    await nextOrder(due, '2027-01-20T06:00:00Z'); // 20 January in Shanghai
    await nextOrder(later, '2027-01-25T06:00:00Z');
    const early = new Date('2027-01-17T20:00:00Z'); // 04:00 on 18 January in Shanghai
    expect(await enterByDate(at(early))).toBe(1);
    expect(await enterByDate(at(plus(60, early)))).toBe(0);
    expect((await runsOf(due))[0]).toMatchObject({ status: 'waiting', dueAt: '2027-01-18T02:00:00.000Z' });
    expect(await runsOf(later)).toEqual([]);
    await advance(new Date('2027-01-18T02:00:00Z'));
    expect((await messagesOf(due)).map((m) => m.template_key)).toContain('repeat-reminder');
    // The dry run on 24 January: both dates fell within the last 30 days (18 and 23 January), one in the last 3.
    const jan24 = new Date('2027-01-24T04:00:00Z');
    expect(await dryRun(at(jan24), j.id, 30)).toEqual({ days: 30, wouldEnter: 2 });
    expect(await dryRun(at(jan24), j.id, 3)).toEqual({ days: 3, wouldEnter: 1 });
    expect((await api('POST', `/journeys/${j.id}/pause`)).statusCode).toBe(200);
  });

  it('cross-sell names products bought together with the buyer’s a week after delivery, and stays silent when there are none', async () => {
    const NAMES: Record<string, string> = { SCARF: '羊毛围巾', GLOVES: '羊皮手套', HAT: '针织帽', LONELY: '单品' };
    const D0 = new Date('2026-12-10T02:00:00Z');
    const buy = async (externalId: string, phone: string, skus: string[], status: string, placedAt: Date) => {
      const res = await api('POST', '/orders', {
        channel: 'tmall',
        externalId,
        customer: { phone, name: '买家' },
        status,
        totalAmount: 10_000 * skus.length,
        placedAt: placedAt.toISOString(),
        paidAt: placedAt.toISOString(),
        deliveredAt: placedAt.toISOString(),
        items: skus.map((sku) => ({ sku, name: NAMES[sku], category: '服饰', quantity: 1, unitPrice: 10_000 })),
      });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { customerId: number }).customerId;
    };
    // Earlier baskets: the scarf with gloves twice, with a hat once.
    const before = plus(-10 * 24 * 60, D0);
    await buy('X-1', '13900000001', ['SCARF', 'GLOVES'], 'completed', before);
    await buy('X-2', '13900000002', ['SCARF', 'GLOVES'], 'completed', before);
    await buy('X-3', '13900000003', ['SCARF', 'HAT'], 'completed', before);
    await dispatch(plus(1, before));
    const j = (await api('GET', '/journeys')).json().items.find((x: { key: string }) => x.key === 'cross-sell');
    expect((await api('POST', `/journeys/${j.id}/activate`)).statusCode).toBe(200);

    const scarf = await buy('X-4', '13900000004', ['SCARF'], 'delivered', D0);
    const lone = await buy('X-5', '13900000005', ['LONELY'], 'delivered', D0);
    await dispatch(plus(1, D0));
    await advance(plus(1, D0));
    expect((await runsOf(scarf))[0]).toMatchObject({ status: 'waiting', step: 'at-ten', dueAt: plus(7 * 24 * 60, D0).toISOString() });
    // A week later, at 10:00 in Shanghai (02:00 UTC).
    await advance(plus(7 * 24 * 60, D0));
    const [run] = await runsOf(scarf);
    expect(run).toMatchObject({ status: 'completed' });
    expect(run.log.find((l: { step: string }) => l.step === 'matching').outcome).toEqual({ skus: ['GLOVES', 'HAT'], result: true });
    // (The survey journey switched on earlier invites these buyers too: only the cross-sell messages are looked at.)
    const crossSell = async (customerId: number) => (await messagesOf(customerId)).filter((x) => x.template_key === 'cross-sell');
    const [m] = await crossSell(scarf);
    expect(m).toMatchObject({ purpose: 'marketing' });
    expect((m.variables as { recommendations: unknown }).recommendations).toEqual([
      { name: '羊皮手套', sku: 'GLOVES', category: '服饰' },
      { name: '针织帽', sku: 'HAT', category: '服饰' },
    ]);
    const preview = await api('POST', '/message-templates/preview', {
      template: shippedTemplate('cross-sell'),
      customerId: scarf,
      variables: m.variables,
    });
    expect(preview.json().text).toContain('常和它一起买的还有：羊皮手套、针织帽，欢迎回店看看。');
    // Nothing bought together with the lone product: the run ends without a message.
    expect((await runsOf(lone))[0]).toMatchObject({ status: 'completed' });
    expect(await crossSell(lone)).toEqual([]);
    expect((await api('POST', `/journeys/${j.id}/pause`)).statusCode).toBe(200);
  });

  it('price drop and back in stock: the people who looked at the product and did not buy it hear of it once; a shallow drop tells nobody', async () => {
    const list = (await api('GET', '/journeys')).json().items as { id: number; key: string }[];
    const drop = list.find((x) => x.key === 'price-drop')!.id;
    const restock = list.find((x) => x.key === 'back-in-stock')!.id;
    for (const id of [drop, restock]) {
      const on = await api('POST', `/journeys/${id}/activate`);
      expect(on.statusCode, on.body).toBe(200);
    }
    const product = (price: number, stock: number) =>
      api('POST', '/products', { sku: 'COAT-9', name: '羊绒大衣', category: '服饰', price, stock, externalId: 'spu-77' });
    expect((await product(100_000, 0)).json()).toMatchObject({ created: true });
    // Product API calls happen now (the server's clock): the tracked history is placed before it.
    const now = new Date();
    const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const person = async (phone: string) => (await api('POST', '/customers', { phone, name: '访客' })).json().customerId as number;
    const [viewer, carter, buyer, other, stale] = await Promise.all(
      ['13800007001', '13800007002', '13800007003', '13800007004', '13800007005'].map(person),
    );
    const looked = (customerId: number, name: string, properties: Record<string, string>, at: Date) => ({
      customerId,
      anonymousId: null,
      type: 'track' as const,
      name,
      properties,
      occurredAt: at,
      receivedAt: at,
      messageId: `look-${customerId}-${at.getTime()}`,
    });
    await insertEvents(patron.ctx.db, [
      looked(viewer, 'Product Viewed', { sku: 'COAT-9' }, ago(2)),
      looked(carter, 'Product Added', { product_id: 'spu-77', cart_id: 'c1' }, ago(1)),
      looked(buyer, 'Product Viewed', { sku: 'COAT-9' }, ago(3)),
      looked(other, 'Product Viewed', { sku: 'OTHER' }, ago(1)),
      looked(stale, 'Product Viewed', { sku: 'COAT-9' }, ago(40)),
    ]);
    // The buyer bought it after looking: told nothing.
    const bought = await api('POST', '/orders', {
      channel: 'tmall',
      externalId: 'COAT-ORDER',
      customer: { phone: '13800007003' },
      status: 'paid',
      totalAmount: 100_000,
      placedAt: ago(2).toISOString(),
      paidAt: ago(2).toISOString(),
      items: [{ sku: 'COAT-9', name: '羊绒大衣', quantity: 1, unitPrice: 100_000 }],
    });
    expect(bought.statusCode, bought.body).toBe(200);
    const told = async (template: string): Promise<[number, unknown][]> =>
      (await patron.ctx.db.selectFrom('messages').select(['customer_id', 'variables']).where('template_key', '=', template).execute()).map(
        (m) => [Number(m.customer_id), (m.variables as { product: { price: number; previousPrice: number } }).product],
      );
    const settle = async () => {
      await dispatch(new Date());
      await advance(new Date());
    };
    await product(96_000, 0); // 4% off: under the journey's 10%
    await settle();
    expect(await told('price-drop')).toEqual([]);
    await product(80_000, 0);
    await settle();
    const coat = { sku: 'COAT-9', name: '羊绒大衣', price: 80_000, previousPrice: 96_000, currency: 'CNY', stock: 0 };
    const byId = (a: [number, unknown], b: [number, unknown]) => a[0] - b[0];
    const expected: [number, unknown][] = [
      [viewer, coat],
      [carter, coat],
    ];
    expect((await told('price-drop')).sort(byId)).toEqual(expected.sort(byId));
    await product(80_000, 5); // back in stock
    await settle();
    expect((await told('back-in-stock')).map(([id]) => id).sort()).toEqual([viewer, carter].sort());
    await product(80_000, 6); // more stock is no restock
    await settle();
    expect(await told('back-in-stock')).toHaveLength(2);
    // The dry run replays the recorded changes: the same two people.
    expect(await dryRun(at(new Date()), drop, 30)).toEqual({ days: 30, wouldEnter: 2 });
    for (const id of [drop, restock]) expect((await api('POST', `/journeys/${id}/pause`)).statusCode).toBe(200);
  });

  it('credits 催付 with the order its reminder won back, and with a later order by the campaigns’ last touch', async () => {
    const earned = async () => (await api('GET', `/journeys/${unpaid}`)).json().earned;
    // Earlier runs' reminders go out first, so that what follows is this buyer's alone.
    await advance(plus(120));
    await sendDue(at(plus(121)));
    const before = await earned();
    const { customerId, orderId } = await order({ externalId: 'TB-90', phone: '13800009090', status: 'pending_payment', placedAt: T0 });
    await dispatch(plus(1));
    await advance(plus(1));
    await advance(plus(120)); // version 2 waits two hours
    await sendDue(at(plus(121)));
    const [reminder] = await messagesOf(customerId);
    expect(reminder).toMatchObject({ status: 'sent', channel: 'sms' });
    await order({ externalId: 'TB-90', phone: '13800009090', status: 'paid', placedAt: T0, paidAt: plus(130) });
    // The provider reports the reminder delivered; a second order within the SMS delivered window is the journey's.
    await patron.ctx.db.updateTable('messages').set({ status: 'delivered' }).where('id', '=', reminder.id).execute();
    await order({ externalId: 'TB-91', phone: '13800009090', status: 'paid', placedAt: plus(150), paidAt: plus(151), total: 12_900 });
    while ((await attributeNew(at(plus(152)))) > 0);
    const credited = await patron.ctx.db.selectFrom('campaign_attributions').selectAll().where('customer_id', '=', customerId).execute();
    expect(credited.map((c) => [Number(c.journey_id), c.campaign_id, Number(c.message_id), c.touch])).toEqual([
      [unpaid, null, Number(reminder.id), 'delivered'],
    ]);
    expect(Number(credited[0].order_id)).not.toBe(orderId);
    // One more person reached and converted; the order the reminder was about counts as won back.
    const after = await earned();
    expect(after).toEqual({
      reached: before.reached + 1,
      converted: before.converted + 1,
      orders: before.orders + 1,
      revenue: before.revenue + 12_900,
      steps: {
        remind: {
          sent: before.steps.remind.sent + 1,
          orders: before.steps.remind.orders + 1,
          revenue: before.steps.remind.revenue + 12_900,
        },
      },
      recovered: { orders: before.recovered.orders + 1, revenue: before.recovered.revenue + 39_800 },
    });
  });

  it('shares a pass between journeys: a run due in one is taken while another has more due than a pass takes', async () => {
    const db = patron.ctx.db;
    // Before every other test's runs fall due, so only these two journeys' runs are taken.
    const now = plus(-24 * 60);
    const people = await sql<{ id: number }>`
      insert into customers (name, gender) select 'Queue ' || g, 'unknown' from generate_series(1, 501) g returning id`.execute(db);
    const journey = async (key: string) => {
      const { id } = await db
        .insertInto('journeys')
        .values({ key, name: key, status: 'active', version: 1, definition: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const definition = {
        trigger: { type: 'manual' },
        entryRules: null,
        reentry: { policy: 'every' },
        goal: null,
        start: 'end',
        steps: [{ id: 'end', type: 'exit' }],
      };
      await db
        .insertInto('journey_versions')
        .values({ journey_id: id, version: 1, definition: JSON.stringify(definition), published_by: 'test' })
        .execute();
      return Number(id);
    };
    const [big, small] = [await journey('queue-big'), await journey('queue-small')];
    const runs = (journeyId: number, ids: number[], dueAt: Date) =>
      db
        .insertInto('journey_runs')
        .values(
          ids.map((id) => ({
            journey_id: journeyId,
            version: 1,
            customer_id: id,
            trigger_key: `queue:${id}`,
            step: 'end',
            due_at: dueAt,
            started_at: dueAt,
          })),
        )
        .execute();
    const ids = people.rows.map((r) => Number(r.id));
    // 501 runs of one journey due an hour before the other's only run: more than one pass takes (500).
    await runs(big, ids, plus(-60, now));
    await runs(small, ids.slice(0, 1), plus(-1, now));
    const waiting = async (journeyId: number) =>
      (await db.selectFrom('journey_runs').select('id').where('journey_id', '=', journeyId).where('status', '=', 'waiting').execute())
        .length;
    expect(await advanceDue(at(now))).toBe(500);
    expect(await waiting(small)).toBe(0);
    expect(await waiting(big)).toBe(2);
    expect(await advanceDue(at(now))).toBe(2);
    expect(await waiting(big)).toBe(0);
  });
});
