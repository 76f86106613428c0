import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, as, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { ensureChannels, upsertOrder } from '../commerce/index.ts';
import { insertCustomers } from '../identity/index.ts';
import { insertEvents } from '../events/index.ts';
import { sendDue } from '../messaging/index.ts';
import { createStaticSegment } from '../segments/index.ts';
import { refreshDueAudiences } from './ad-audiences.ts';
import { attributeNew } from './attribution.ts';
import { runCampaigns } from './launch.ts';

/** 10:00 on 3 December 2026 in Shanghai, the store's time zone. */
const T0 = new Date('2026-12-03T02:00:00Z');
const plus = (minutes: number, from = T0) => new Date(from.getTime() + minutes * 60_000);
const PEOPLE = 400;

describe('campaigns', () => {
  let patron: Patron;
  let owner: Session;
  let ids: number[];
  let everyone: number;
  let excluded: number;
  let channelId: number;
  let orderNo = 0;
  let suppressed: number;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    patron.http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(owner),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const at = (now: Date) => ({ ...patron.ctx, clock: { now: () => now } });
  const run = (now: Date) => runCampaigns(at(now));
  /** Hands every due message to the sandbox, as the sender poller would at `now`. */
  const sendAll = async (now: Date) => {
    while ((await sendDue(at(now))) > 0);
  };
  const create = async (body: Record<string, unknown>) => {
    const res = await api('POST', '/campaigns', {
      audience: { segments: [everyone], exclude: [excluded] },
      channel: 'email',
      variants: [{ email: 'promo-email' }],
      // The API runs on the real clock; the pollers here on T0 and after.
      schedule: { mode: 'at', at: T0.toISOString() },
      ...body,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().id as number;
  };
  const messagesOf = (id: number) =>
    patron.ctx.db.selectFrom('messages').selectAll().where('source', '=', `campaign:${id}`).orderBy('customer_id').execute();
  const recipients = (id: number) =>
    patron.ctx.db.selectFrom('campaign_recipients').selectAll().where('campaign_id', '=', id).orderBy('customer_id').execute();
  const paidOrder = (customerId: number, placedAt: Date, amount = 10_000) =>
    upsertOrder(patron.ctx.db, {
      customerId,
      channelId,
      externalId: `C-${++orderNo}`,
      status: 'paid',
      currency: 'CNY',
      totalAmount: amount,
      placedAt,
      paidAt: placedAt,
      now: placedAt,
    });
  const track = (customerId: number, name: 'Message Opened' | 'Message Clicked', messageId: number, occurredAt: Date, extra = {}) =>
    insertEvents(patron.ctx.db, [
      {
        customerId,
        anonymousId: null,
        type: 'track',
        name,
        properties: { messageId, machine: false, ...extra },
        occurredAt,
        receivedAt: occurredAt,
        messageId: `${name}-${messageId}-${occurredAt.getTime()}`,
      },
    ]);

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    const db = patron.ctx.db;
    ids = await insertCustomers(
      db,
      patron.ctx.keyring,
      Array.from({ length: PEOPLE }, (_, i) => ({
        name: `买家${i}`,
        gender: 'unknown' as const,
        birthday: null,
        province: null,
        city: null,
        district: null,
        firstChannelId: null,
        email: `buyer${i}@example.com`,
        phone: `+86138${String(i).padStart(8, '0')}`,
        address: null,
        createdAt: new Date('2026-01-01T00:00:00Z'),
      })),
    );
    // SMS marketing consent for everyone, e-mail consent for every other person; one e-mail suppressed.
    await sql`insert into consents (customer_id, channel, purpose, status, source, actor_label, recorded_at)
      select id, 'sms', 'marketing', 'granted', 'test', 'test', '2026-01-01'::timestamptz from unnest(${ids}::bigint[]) id
      union all select id, 'email', 'marketing', 'granted', 'test', 'test', '2026-01-01'::timestamptz from unnest(${ids}::bigint[]) id where id % 2 = 0`.execute(
      db,
    );
    suppressed = ids.find((id) => id % 2 === 0 && id > ids[20]) as number;
    const bidx = await db.selectFrom('customers').select('email_bidx').where('id', '=', suppressed).executeTakeFirstOrThrow();
    await db
      .insertInto('suppressions')
      .values({ channel: 'email', address_bidx: bidx.email_bidx as string, address_enc: 'x', reason: 'hard_bounce', source: 'test' })
      .execute();
    const actor = { type: 'system' as const, id: null, label: 'test', ip: null };
    const clock = { now: T0, timeZone: 'Asia/Shanghai' };
    everyone = (await createStaticSegment(db, { name: 'Everyone', customerIds: ids, actor, clock })).segment.id;
    excluded = (await createStaticSegment(db, { name: 'Staff', customerIds: ids.slice(0, 20), actor, clock })).segment.id;
    channelId = (await ensureChannels(db, [{ code: 'web', name: 'Web', kind: 'web', platform: 'web' }])).get('web') as number;
    const rules = (await api('GET', '/settings/messaging')).json();
    await api('PUT', '/settings/messaging', { ...rules, caps: { marketing: { day: 20, week: 50 } } });
    const templates = [
      {
        key: 'promo-email',
        channel: 'email',
        subject: { 'zh-CN': '双十二', en: 'Sale' },
        body: { 'zh-CN': '<p>{{ campaign.name }} <a href="https://shop.example.com/a">逛逛</a></p>', en: '<p>Sale</p>' },
      },
      {
        key: 'promo-email-b',
        channel: 'email',
        subject: { 'zh-CN': '双十二 B', en: 'Sale B' },
        body: { 'zh-CN': '<p>B</p>', en: '<p>B</p>' },
      },
      { key: 'promo-sms', channel: 'sms', body: { 'zh-CN': '双十二全场八折 {{ campaign.name }}', en: '20% off' } },
    ];
    for (const t of templates)
      expect((await api('PUT', `/message-templates/${t.key}`, { name: t.key, purpose: 'marketing', ...t })).statusCode).toBe(200);
  });
  afterAll(() => patron.close());

  it('estimates reach per channel, then snapshots the audience with its holdout and sends where each person can be reached', async () => {
    const id = await create({ name: 'E then S', channel: 'email_then_sms', variants: [{ email: 'promo-email', sms: 'promo-sms' }] });
    const estimate = (await api('GET', `/campaigns/${id}/estimate`)).json();
    expect(estimate.members).toBe(PEOPLE - 20);
    expect(estimate.excluded.segments).toBe(20);
    const holdout = estimate.excluded.holdout;
    expect(holdout).toBeGreaterThan(15);
    expect(holdout).toBeLessThan(65);
    expect(estimate.email.excluded.suppressed).toBe(1);
    expect(estimate.email.excluded.no_consent + estimate.email.excluded.suppressed + estimate.email.reachable).toBe(PEOPLE - 20 - holdout);
    expect(estimate.total).toBe(PEOPLE - 20 - holdout);
    expect(estimate.sms_cost.parts).toBe(estimate.total - estimate.email.reachable);

    expect((await api('POST', `/campaigns/${id}/send`)).json()).toMatchObject({ status: 'scheduled' });
    // A person joining the segment after the snapshot is not added.
    expect(await run(T0)).toBeGreaterThan(0);
    const late = (
      await insertCustomers(patron.ctx.db, patron.ctx.keyring, [
        {
          name: '新人',
          gender: 'unknown',
          birthday: null,
          province: null,
          city: null,
          district: null,
          firstChannelId: null,
          email: 'new@example.com',
          phone: null,
          address: null,
          createdAt: T0,
        },
      ])
    )[0];
    await patron.ctx.db.insertInto('segment_members').values({ segment_id: everyone, customer_id: late, entered_at: T0 }).execute();
    await run(plus(1));
    const people = await recipients(id);
    expect(people).toHaveLength(PEOPLE - 20);
    expect(people.some((p) => p.customer_id === late)).toBe(false);
    expect(people.filter((p) => p.arm === 'control')).toHaveLength(holdout);
    const sentTo = people.filter((p) => p.arm !== 'control');
    expect(
      sentTo.every((p) => p.channel === (Number(p.customer_id) % 2 === 0 && Number(p.customer_id) !== suppressed ? 'email' : 'sms')),
    ).toBe(true);
    expect(sentTo.filter((p) => p.channel === 'email')).toHaveLength(estimate.email.reachable);
    const queued = await messagesOf(id);
    expect(queued).toHaveLength(sentTo.length);
    expect(new Set(queued.map((m) => m.customer_id))).toEqual(new Set(sentTo.map((p) => p.customer_id)));
    expect(queued.every((m) => people.find((p) => p.customer_id === m.customer_id)?.channel === m.channel)).toBe(true);
    await patron.ctx.db.deleteFrom('segment_members').where('customer_id', '=', late).execute();
    await sendAll(plus(2));
    await run(plus(3));
    expect((await api('GET', `/campaigns/${id}`)).json()).toMatchObject({ status: 'done' });
    const report = (await api('GET', `/campaigns/${id}/report`)).json();
    expect(report.figures).toMatchObject({ recipients: PEOPLE - 20, control: holdout, sent: sentTo.length });
    expect(report.figures.cost).toBeGreaterThan(0);
    expect(report.byChannel.map((c: { channel: string }) => c.channel)).toEqual(['email', 'sms']);
  });

  it('paces, pauses and resumes from where it stopped: every recipient gets exactly one message', async () => {
    const id = await create({ name: 'Paced', channel: 'sms', variants: [{ sms: 'promo-sms' }], throttlePerMinute: 100, holdoutPercent: 0 });
    await api('POST', `/campaigns/${id}/send`);
    await run(T0);
    const queued = await messagesOf(id);
    expect(queued).toHaveLength(PEOPLE - 20);
    const minutes = new Set(queued.map((m) => m.not_before.toISOString()));
    expect(minutes).toEqual(new Set([T0, plus(1), plus(2), plus(3)].map((d) => d.toISOString())));
    await sendAll(T0);
    expect((await messagesOf(id)).filter((m) => m.sent_at !== null)).toHaveLength(100);
    expect((await api('POST', `/campaigns/${id}/pause`)).json()).toMatchObject({ status: 'paused' });
    await sendAll(plus(10));
    expect((await messagesOf(id)).filter((m) => m.sent_at !== null)).toHaveLength(100);
    expect((await messagesOf(id)).filter((m) => m.status === 'held')).toHaveLength(PEOPLE - 120);
    expect((await api('POST', `/campaigns/${id}/send`)).statusCode).toBe(409);
    const resumed = await api('POST', `/campaigns/${id}/resume`);
    expect(resumed.json()).toMatchObject({ status: 'sending' });
    // Paced again from the resume (the clock of the API is the real one: release times are not earlier than then).
    const released = (await messagesOf(id)).filter((m) => m.status === 'queued');
    expect(released).toHaveLength(PEOPLE - 120);
    // A morning in Shanghai after the real clock's now (quiet hours hold marketing at night).
    const later = new Date(Math.ceil(Date.now() / 86_400_000 + 1) * 86_400_000 + 3 * 3_600_000);
    await sendAll(later);
    await run(later);
    const all = await messagesOf(id);
    expect(all.every((m) => m.sent_at !== null)).toBe(true);
    expect(new Set(all.map((m) => m.customer_id)).size).toBe(all.length);
    expect((await api('GET', `/campaigns/${id}`)).json()).toMatchObject({ status: 'done' });
  });

  it('sends at a time in each recipient’s zone, and leaves out people sent a campaign recently', async () => {
    const [ny, london] = ids.slice(30, 32);
    await patron.ctx.db.updateTable('customers').set({ time_zone: 'America/New_York' }).where('id', '=', ny).execute();
    await patron.ctx.db.updateTable('customers').set({ time_zone: 'Europe/London' }).where('id', '=', london).execute();
    const id = await create({
      name: 'Local',
      channel: 'sms',
      variants: [{ sms: 'promo-sms' }],
      holdoutPercent: 0,
      schedule: { mode: 'local', date: '2026-12-04', time: '10:00' },
    });
    // The first zone (UTC+14) reaches 10:00 on 4 December at 20:00 UTC on the 3rd: the snapshot is taken then.
    expect((await api('POST', `/campaigns/${id}/send`)).json()).toMatchObject({ status: 'scheduled', sendAt: '2026-12-03T20:00:00.000Z' });
    const start = new Date('2026-12-03T20:00:00Z');
    expect(await run(plus(-1, start))).toBe(0);
    await run(start);
    const queued = await messagesOf(id);
    const at = (customerId: number) => queued.find((m) => Number(m.customer_id) === customerId)?.not_before.toISOString();
    expect(at(ny)).toBe('2026-12-04T15:00:00.000Z');
    expect(at(london)).toBe('2026-12-04T10:00:00.000Z');
    expect(at(ids[40])).toBe('2026-12-04T02:00:00.000Z'); // the store's zone, Shanghai
    const recent = await create({
      name: 'Recent',
      channel: 'sms',
      variants: [{ sms: 'promo-sms' }],
      audience: { segments: [everyone], exclude: [excluded], notContactedDays: 7 },
    });
    const estimate = (await api('GET', `/campaigns/${recent}/estimate`)).json();
    const sentRecently = await sql<{ n: number }>`select count(distinct customer_id)::int as n from messages
      where source like 'campaign:%' and sent_at is not null and customer_id <> all(${ids.slice(0, 20)}::bigint[])`.execute(patron.ctx.db);
    expect(estimate.excluded.recentlyContacted).toBe(sentRecently.rows[0].n);
    expect(estimate.members).toBe(PEOPLE - 20 - sentRecently.rows[0].n);
  });

  it('cancels: nothing queued is sent afterwards', async () => {
    const id = await create({ name: 'Cancelled', variants: [{ email: 'promo-email' }], throttlePerMinute: 10, holdoutPercent: 0 });
    await api('POST', `/campaigns/${id}/send`);
    await run(T0);
    await sendAll(T0);
    expect((await api('POST', `/campaigns/${id}/cancel`)).json()).toMatchObject({ status: 'cancelled' });
    await sendAll(plus(60 * 24));
    const all = await messagesOf(id);
    expect(all.filter((m) => m.sent_at !== null).length).toBeLessThanOrEqual(10);
    expect(all.filter((m) => m.status === 'skipped' && m.skip_reason === 'cancelled').length).toBeGreaterThan(100);
  });

  it('A/B: tests two variants on a share, picks the winner by click rate when the test is over, sends it to the rest', async () => {
    const id = await create({
      name: 'AB',
      variants: [{ email: 'promo-email' }, { email: 'promo-email-b' }],
      test: { percent: 40, hours: 2, metric: 'click_rate' },
      holdoutPercent: 10,
    });
    await api('POST', `/campaigns/${id}/send`);
    await run(T0);
    expect((await api('GET', `/campaigns/${id}`)).json()).toMatchObject({ status: 'testing', testEndsAt: plus(120).toISOString() });
    const people = await recipients(id);
    const test = people.filter((p) => p.arm === 'test');
    expect(new Set(test.map((p) => p.variant))).toEqual(new Set(['A', 'B']));
    expect(people.filter((p) => p.arm === 'rest').every((p) => p.variant === null)).toBe(true);
    await sendAll(plus(1));
    const sent = (await messagesOf(id)).filter((m) => m.sent_at !== null);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((m) => test.some((p) => p.customer_id === m.customer_id))).toBe(true);
    // Half of B's recipients click, one in ten of A's; a machine click counts for nobody.
    for (const m of sent) {
      const variant = test.find((p) => p.customer_id === m.customer_id)?.variant;
      const clicks = variant === 'B' ? Number(m.customer_id) % 2 === 0 : Number(m.customer_id) % 10 === 0;
      if (clicks) await track(Number(m.customer_id), 'Message Clicked', Number(m.id), plus(30), { url: 'https://shop.example.com/a' });
      else
        await track(Number(m.customer_id), 'Message Clicked', Number(m.id), plus(30), { url: 'https://shop.example.com/a', machine: true });
    }
    await run(plus(119));
    expect((await api('GET', `/campaigns/${id}`)).json()).toMatchObject({ status: 'testing', winner: null });
    await run(plus(120));
    const decided = (await api('GET', `/campaigns/${id}`)).json();
    expect(decided).toMatchObject({ status: 'sending', winner: 'B' });
    const rest = (await recipients(id)).filter((p) => p.arm === 'rest');
    expect(rest.every((p) => p.variant === 'B')).toBe(true);
    const restMessages = (await messagesOf(id)).filter((m) => rest.some((p) => p.customer_id === m.customer_id));
    expect(restMessages).toHaveLength(rest.length);
    expect(restMessages.every((m) => m.template_key === 'promo-email-b')).toBe(true);
    const report = (await api('GET', `/campaigns/${id}/report`)).json();
    expect(report.test).toMatchObject({ metric: 'click_rate', winner: 'B' });
    const [a, b] = report.byVariant;
    expect(b.metric.value).toBeGreaterThan(a.metric.value);
    expect(b.metric.interval.low).toBeLessThanOrEqual(b.metric.value);
    expect(report.topLinks[0]).toMatchObject({ url: 'https://shop.example.com/a' });
  });

  it('holdout: the report gives the incremental conversion and revenue per recipient with 95% intervals', async () => {
    const id = await create({ name: 'Holdout', channel: 'sms', variants: [{ sms: 'promo-sms' }], holdoutPercent: 50 });
    await api('POST', `/campaigns/${id}/send`);
    await run(T0);
    const people = await recipients(id);
    const treated = people.filter((p) => p.arm !== 'control');
    const control = people.filter((p) => p.arm === 'control');
    // A known answer: 30% of the treated buy for 100.00, 10% of the control; orders after the window do not count.
    const buyers = (group: typeof people, share: number) => group.slice(0, Math.round(group.length * share));
    for (const p of [...buyers(treated, 0.3), ...buyers(control, 0.1)]) await paidOrder(Number(p.customer_id), plus(60 * 24));
    await paidOrder(Number(control[control.length - 1].customer_id), plus(60 * 24 * 6));
    const report = (await api('GET', `/campaigns/${id}/report`)).json();
    const t = buyers(treated, 0.3).length / treated.length;
    const c = buyers(control, 0.1).length / control.length;
    expect(report.holdout.treated).toMatchObject({ people: treated.length, converted: buyers(treated, 0.3).length });
    expect(report.holdout.control).toMatchObject({ people: control.length, converted: buyers(control, 0.1).length });
    expect(report.holdout.conversionUplift.value).toBeCloseTo(t - c, 10);
    expect(report.holdout.revenuePerRecipientUplift.value).toBeCloseTo((t - c) * 10_000, 6);
    expect(report.holdout.conversionUplift.interval.low).toBeGreaterThan(0);
    expect(report.holdout.conversionUplift.significant).toBe(true);
    expect(report.holdout.incrementalRevenue).toBe(Math.round((t - c) * 10_000 * treated.length));
    // The control group was never sent to.
    const sent = await messagesOf(id);
    expect(sent.some((m) => control.some((p) => p.customer_id === m.customer_id))).toBe(false);
  });

  it('credits an order to the last touch within the windows, at their edges, once', async () => {
    await attributeNew(at(T0)); // orders so far are read (the cursor moves past them)
    const cursor = await patron.ctx.db.selectFrom('campaign_cursors').select('position').executeTakeFirstOrThrow();
    // Touches of the earlier campaigns would be later than these, and rightly win: this test starts without them.
    await patron.ctx.db.deleteFrom('events').where('name', 'in', ['Message Clicked', 'Message Opened']).execute();
    const id = await create({
      name: 'Attribution',
      channel: 'email_then_sms',
      variants: [{ email: 'promo-email', sms: 'promo-sms' }],
      holdoutPercent: 0,
    });
    await api('POST', `/campaigns/${id}/send`);
    await run(T0);
    await sendAll(T0);
    const sent = await messagesOf(id);
    const emails = sent.filter((m) => m.channel === 'email');
    const texts = sent.filter((m) => m.channel === 'sms');
    const [clickIn, clickOut, openIn] = emails;
    const [smsIn, smsOut] = texts;
    const sentAt = (m: (typeof sent)[number]) => m.sent_at as Date;
    await track(Number(clickIn.customer_id), 'Message Clicked', Number(clickIn.id), plus(10));
    await track(Number(clickOut.customer_id), 'Message Clicked', Number(clickOut.id), plus(10));
    await track(Number(openIn.customer_id), 'Message Opened', Number(openIn.id), plus(10));
    await patron.ctx.db.updateTable('messages').set({ status: 'delivered' }).where('id', 'in', [smsIn.id, smsOut.id]).execute();
    const window = 120 * 60;
    await paidOrder(Number(clickIn.customer_id), plus(10 + window - 1));
    await paidOrder(Number(clickOut.customer_id), plus(10 + window + 1));
    await paidOrder(Number(openIn.customer_id), plus(10 + window));
    await paidOrder(Number(smsIn.customer_id), plus(12 * 60 - 1, sentAt(smsIn)));
    await paidOrder(Number(smsOut.customer_id), plus(12 * 60 + 1, sentAt(smsOut)));
    while ((await attributeNew(at(plus(1)))) > 0);
    const credited = await patron.ctx.db
      .selectFrom('campaign_attributions')
      .selectAll()
      .where('campaign_id', '=', id)
      .orderBy('order_id')
      .execute();
    expect(credited.map((c) => [Number(c.customer_id), c.touch])).toEqual([
      [Number(clickIn.customer_id), 'click'],
      [Number(openIn.customer_id), 'open'],
      [Number(smsIn.customer_id), 'delivered'],
    ]);
    // Read the same orders again: nothing is credited twice.
    await patron.ctx.db.updateTable('campaign_cursors').set({ position: cursor.position }).execute();
    while ((await attributeNew(at(plus(2)))) > 0);
    expect(await patron.ctx.db.selectFrom('campaign_attributions').selectAll().where('campaign_id', '=', id).execute()).toHaveLength(3);
    const report = (await api('GET', `/campaigns/${id}/report`)).json();
    expect(report.figures).toMatchObject({ orders: 3, revenue: 30_000 });
    const csv = await api('GET', `/campaigns/${id}/report.csv`);
    expect(csv.body.split('\n')[1]).toContain('campaign');
    const panel = (await api('GET', `/customers/${clickIn.customer_id}/panels`))
      .json()
      .items.find((p: { key: string }) => p.key === 'campaigns');
    expect(panel.rows[0]).toMatchObject({ campaign: 'Attribution', orders: 1, revenue: 10_000 });
  });

  it('invites its recipients to a survey: each message carries the person’s own link, the holdout is not invited', async () => {
    const template = {
      key: 'survey-email',
      name: 'survey-email',
      channel: 'email',
      purpose: 'marketing',
      subject: { 'zh-CN': '问卷', en: 'Survey' },
    };
    const body = { 'zh-CN': '<p><a href="{{ survey_url }}">填写</a></p>', en: '<p><a href="{{ survey_url }}">Go</a></p>' };
    const saved = await api('PUT', '/message-templates/survey-email', { ...template, body });
    expect(saved.statusCode, saved.body).toBe(200);
    const survey = (
      await api('POST', '/surveys', {
        name: '新品反馈',
        title: { 'zh-CN': '新品反馈', en: 'New arrivals' },
        questions: [{ id: 'csat', type: 'csat', text: { 'zh-CN': '满意吗？', en: 'Satisfied?' } }],
      })
    ).json();
    const unset = await create({ name: 'No survey', variants: [{ email: 'survey-email' }] });
    const refused = (await api('POST', `/campaigns/${unset}/send`))
      .json()
      .error.details.problems.map((p: { problem: string }) => p.problem);
    expect(refused).toEqual(['template "survey-email" prints a survey link: choose the survey']);
    const id = await create({ name: 'Survey', variants: [{ email: 'survey-email' }], surveyId: survey.id, holdoutPercent: 10 });
    const closed = (await api('POST', `/campaigns/${id}/send`)).json().error.details.problems.map((p: { problem: string }) => p.problem);
    expect(closed).toEqual([`survey ${survey.id} does not exist or is not open`]);
    await api('POST', `/surveys/${survey.id}/status`, { status: 'open' });
    expect((await api('POST', `/campaigns/${id}/send`)).statusCode).toBe(200);
    await run(T0);
    const messages = await messagesOf(id);
    const invited = await patron.ctx.db
      .selectFrom('survey_invitations')
      .select(['customer_id', 'source'])
      .where('survey_id', '=', survey.id)
      .orderBy('customer_id')
      .execute();
    const treated = (await recipients(id)).filter((r) => r.arm !== 'control').map((r) => Number(r.customer_id));
    expect(invited.map((i) => Number(i.customer_id))).toEqual(treated);
    expect(new Set(invited.map((i) => i.source))).toEqual(new Set([`campaign:${id}`]));
    const links = messages.map((m) => (m.variables as { survey_url?: string }).survey_url);
    expect(links.every((l) => l?.includes('/s/'))).toBe(true);
    expect(new Set(links).size).toBe(messages.length);
    // A person's link opens their own survey.
    const page = await patron.http.inject({ method: 'GET', url: new URL(links[0] as string).pathname });
    expect(page.body).toContain('满意吗？');
  });

  it('answers bad input with a stable code', async () => {
    expect((await api('POST', '/campaigns', { name: 'x' })).statusCode).toBe(400);
    const id = await create({ name: 'Broken', variants: [{ email: 'nope' }, { email: 'promo-email' }] });
    const res = await api('POST', `/campaigns/${id}/send`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('CAMPAIGN_INVALID');
    expect(res.json().error.details.problems.map((p: { problem: string }) => p.problem)).toEqual([
      'variant A: template "nope" does not exist',
      'two or more variants need an A/B test (share, hours, metric)',
    ]);
    expect((await api('GET', '/campaigns/999999')).json().error.code).toBe('CAMPAIGN_NOT_FOUND');
    expect((await api('POST', `/campaigns/${id}/pause`)).json().error.code).toBe('CAMPAIGN_STATUS_CONFLICT');
    const short = await create({ name: 'Codes', holdoutPercent: 0 });
    expect((await api('POST', `/campaigns/${short}/coupon-codes`, { codes: ['A1', 'A2', 'A2'] })).json()).toEqual({
      added: 2,
      duplicates: 1,
      total: 2,
    });
    expect((await api('GET', `/campaigns/${short}/estimate`)).json().couponCodesShort).toBe(PEOPLE - 20 - 2);
    // Codes from a loyalty coupon template: a new batch of it, so the store can validate and redeem them.
    const template = (await api('POST', '/coupons/templates', { name: '活动券', kind: 'percent', percent: 10, cap: 5_000 })).json();
    const fromTemplate = await create({ name: 'Template codes' });
    expect((await api('POST', `/campaigns/${fromTemplate}/coupon-codes`, { templateId: template.id, count: 30 })).json()).toMatchObject({
      added: 30,
      total: 30,
    });
    const pooled = await patron.ctx.db.selectFrom('campaign_coupon_codes').select('code').where('campaign_id', '=', fromTemplate).execute();
    const check = (await api('POST', '/coupons/validate', { code: pooled[0].code, orderTotal: 20_000 })).json();
    expect(check).toMatchObject({ valid: true, discount: 2_000, templateId: template.id });
    const missing = await api('POST', `/campaigns/${fromTemplate}/coupon-codes`, { templateId: 999_999, count: 3 });
    expect(missing.json().error.code).toBe('COUPON_TEMPLATE_NOT_FOUND');
    await api('POST', `/campaigns/${short}/send`);
    await run(T0);
    expect((await api('GET', `/campaigns/${short}`)).json()).toMatchObject({ status: 'failed', error: expect.stringContaining('short') });
    expect(await messagesOf(short)).toEqual([]);
  });

  it('keeps a segment as ad platform audiences: hashed identifiers of people who agreed to sharing, downloaded or pushed', async () => {
    const sharing = ids.slice(0, 10);
    await sql`insert into consents (customer_id, channel, purpose, status, source, actor_label, recorded_at)
      select id, 'any', 'sharing', 'granted', 'test', 'test', '2026-01-01'::timestamptz from unnest(${sharing}::bigint[]) id`.execute(
      patron.ctx.db,
    );
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    const meta = await api('POST', '/ad-audiences', { segmentId: everyone, platform: 'meta' });
    expect(meta.json()).toMatchObject({ platform: 'meta', people: 10, identifiers: 20, error: null });
    const file = await api('GET', `/ad-audiences/${meta.json().id}/file`);
    expect(file.headers['content-type']).toContain('text/csv');
    const lines = file.body.trim().split('\n');
    expect(lines[0]).toBe('email,phone');
    expect(lines).toHaveLength(11);
    expect(lines[1]).toBe(`${sha('buyer0@example.com')},${sha('8613800000000')}`);
    const google = (await api('POST', '/ad-audiences', { segmentId: everyone, platform: 'google' })).json();
    expect((await api('GET', `/ad-audiences/${google.id}/file`)).body.split('\n')[1]).toBe(
      `${sha('buyer0@example.com')},${sha('+8613800000000')}`,
    );
    // 巨量引擎 through an adapter: the file is pushed with the bearer token, mainland numbers as their 11 digits.
    const received: { auth?: string; platform?: string; body: string }[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, platform: req.headers['x-patron-platform'] as string, body });
        res.writeHead(received.length > 1 ? 503 : 200).end();
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/audiences`;
    const ocean = (
      await api('POST', '/ad-audiences', {
        segmentId: everyone,
        platform: 'ocean_engine',
        refreshHours: 6,
        push: { url, token: 'adapter-token-1' },
      })
    ).json();
    expect(ocean).toMatchObject({ people: 10, identifiers: 10, error: null, pushUrl: url });
    expect(received[0]).toMatchObject({ auth: 'Bearer adapter-token-1', platform: 'ocean_engine' });
    expect(received[0].body.trim().split('\n')).toContain(sha('13800000000'));
    // The refresh rebuilds what is due; an adapter that fails is recorded and tried again at the next refresh.
    const later = new Date(Date.now() + 7 * 3_600_000);
    expect(await refreshDueAudiences({ ...patron.ctx, clock: { now: () => later } })).toBe(1);
    expect((await api('GET', '/ad-audiences')).json().items.find((a: { id: number }) => a.id === ocean.id).error).toBe(
      'The adapter answered 503',
    );
    fake.close();
    const audit = await patron.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'ad_audience.%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['ad_audience.build', 'ad_audience.download']));
    expect((await api('GET', '/ad-audiences')).body).not.toContain('adapter-token-1');
    expect((await api('GET', '/ad-audiences/999/file')).json().error.code).toBe('AD_AUDIENCE_NOT_FOUND');
  });

  it('starts a campaign to an audience large enough to have its statistics taken first, in the start transaction', async () => {
    const db = patron.ctx.db;
    const many = (
      await sql<{
        id: number;
      }>`insert into customers (name, gender) select 'Crowd ' || g, 'unknown' from generate_series(1, 12000) g returning id`.execute(db)
    ).rows.map((r) => Number(r.id));
    const actor = { type: 'system' as const, id: null, label: 'test', ip: null };
    const crowd = (
      await createStaticSegment(db, { name: 'Crowd', customerIds: many, actor, clock: { now: T0, timeZone: 'Asia/Shanghai' } })
    ).segment.id;
    const id = await create({
      name: 'Crowd',
      audience: { segments: [crowd], exclude: [] },
      channel: 'sms',
      variants: [{ sms: 'promo-sms' }],
    });
    expect((await api('POST', `/campaigns/${id}/send`)).json()).toMatchObject({ status: 'scheduled' });
    await run(T0);
    const view = (await api('GET', `/campaigns/${id}`)).json();
    expect(view.status, view.error).toBe('sending');
    const arms = await sql<{ arm: string; n: number }>`
      select arm, count(*)::int as n from campaign_recipients where campaign_id = ${id} group by arm`.execute(db);
    const byArm = Object.fromEntries(arms.rows.map((r) => [r.arm, r.n]));
    expect(byArm.rest + byArm.control).toBe(12000);
    expect((await messagesOf(id)).length).toBe(byArm.rest);
  });
});
