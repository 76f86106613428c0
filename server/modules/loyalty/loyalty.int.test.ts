import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { dispatchEvents } from '../../events/index.ts';
import { patronComposition } from '../../modules.ts';
import { awardBatch, ledgerContextOf, nightly } from './work.ts';
import { awardQueued } from './work.ts';
import { memberToken } from './members.ts';
import { loyaltyPanels } from './customer-data.ts';

/** 10:00 on 3 December 2026 in Shanghai, the store's time zone. */
const T0 = new Date('2026-12-03T02:00:00Z');
const days = (n: number, from = T0) => new Date(from.getTime() + n * 86_400_000);

describe('loyalty', () => {
  let patron: Patron;
  let owner: Session;
  let giftTemplate: number;
  const api = apiAs(
    () => patron,
    () => owner,
  );
  const at = (now: Date) => ({ ...patron.ctx, clock: { now: () => now } });
  /** Delivers the order events and drains the points queue, as the dispatcher and the poller would at `now`. */
  const settle = async (now: Date) => {
    while ((await dispatchEvents(at(now), patronComposition.subscriptions)) > 0);
    while ((await awardQueued(at(now))) > 0);
  };
  let orderNo = 0;
  const order = async (o: {
    phone: string;
    total: number;
    status?: string;
    paidAt?: Date;
    refunded?: number;
    externalId?: string;
    coupons?: string[];
  }) => {
    const externalId = o.externalId ?? `L-${++orderNo}`;
    const paidAt = o.paidAt ?? T0;
    const res = await api('POST', '/orders', {
      channel: 'tmall',
      externalId,
      customer: { phone: o.phone, name: '会员' },
      status: o.status ?? 'paid',
      totalAmount: o.total,
      refundedAmount: o.refunded ?? 0,
      couponCodes: o.coupons ?? [],
      placedAt: paidAt.toISOString(),
      paidAt: o.status === 'pending_payment' ? null : paidAt.toISOString(),
      items: [{ sku: 'SKU-1', name: '羊绒围巾', quantity: 1, unitPrice: o.total }],
    });
    expect(res.statusCode, res.body).toBe(200);
    return { ...(res.json() as { orderId: number; customerId: number }), externalId };
  };
  const member = async (customerId: number, now = T0) => {
    const c = await ledgerContextOf(at(now));
    const { memberOf } = await import('./members.ts');
    return memberOf(patron.ctx.db, c, customerId);
  };
  const ledger = async (customerId: number) =>
    patron.ctx.db.selectFrom('loyalty_ledger').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    const tpl = await api('POST', '/coupons/templates', { name: '金卡礼券', kind: 'fixed', amount: 5_000, validDays: 30 });
    expect(tpl.statusCode, tpl.body).toBe(201);
    giftTemplate = tpl.json().id;
    const saved = await api('PUT', '/loyalty/settings', {
      enabled: true,
      joinRule: 'first_paid_order',
      pointsPerUnit: 1,
      pendingDays: 14,
      bonuses: { signup: 50, firstOrder: 100, review: 20, birthday: 0, referral: 0 },
      expiry: { mode: 'rolling', months: 12, reminderDays: 30, reminderTemplate: null },
      tierBasis: 'net_spend',
      tierTerm: 'calendar_year',
      tiers: [
        { key: 'silver', name: '银卡', entry: 100_000, keep: 50_000, multiplier: 1 },
        {
          key: 'gold',
          name: '金卡',
          entry: 500_000,
          keep: 300_000,
          multiplier: 2,
          freeShipping: true,
          upgradeCouponTemplateId: giftTemplate,
        },
      ],
    });
    expect(saved.statusCode, saved.body).toBe(200);
  });
  afterAll(async () => {
    await patron?.close();
  });

  it('enrols on the first paid order; the order’s points and the first-order bonus wait out the pending period', async () => {
    const o = await order({ phone: '13700000001', total: 39_800 });
    await settle(T0);
    const m = await member(o.customerId);
    expect(m.memberNo).toMatch(/^\d{8}$/);
    expect(m.source).toBe('first_paid_order');
    expect(m.balance).toMatchObject({ available: 50, pending: 398 + 100 });
    // The pending period ends 14 days after payment (a controlled clock).
    expect((await member(o.customerId, days(13))).balance.available).toBe(50);
    expect((await member(o.customerId, days(14))).balance).toMatchObject({ available: 548, pending: 0 });
    // Read through the API too: the balance and the history.
    const view = await api('GET', `/loyalty/members/${o.customerId}`);
    expect(view.json().balance.earned).toBe(548);
    const hist = (await api('GET', `/loyalty/members/${o.customerId}/ledger`)).json();
    expect(hist.items.map((e: { kind: string }) => e.kind).sort()).toEqual(['bonus', 'bonus', 'earn']);
  });

  it('never earns twice for one order: a resent webhook, a requeued order, duplicate deliveries racing', async () => {
    const o = await order({ phone: '13700000002', total: 20_000 });
    await settle(T0);
    await order({ phone: '13700000002', total: 20_000, externalId: o.externalId });
    await patron.ctx.db.insertInto('loyalty_order_queue').values({ order_id: o.orderId }).execute();
    await settle(T0);
    const c = await ledgerContextOf(at(T0));
    // Four workers compute the same order at once, each in its own transaction.
    await Promise.all(Array.from({ length: 4 }, () => patron.ctx.db.transaction().execute((trx) => awardBatch(trx, c, [o.orderId]))));
    const rows = await ledger(o.customerId);
    expect(rows.filter((r) => r.kind === 'earn')).toHaveLength(1);
    expect(rows.filter((r) => r.source === `bonus:first_order:${o.customerId}`)).toHaveLength(1);
    expect((await member(o.customerId, days(14))).balance.available).toBe(200 + 100 + 50);
  });

  it('claws back a partial refund in proportion, and a refund of spent points from the rest of the balance', async () => {
    const o = await order({ phone: '13700000003', total: 30_000 });
    await settle(T0);
    await order({ phone: '13700000003', total: 30_000, externalId: o.externalId, status: 'partially_refunded', refunded: 10_000 });
    await settle(days(1));
    let rows = await ledger(o.customerId);
    const claw = rows.filter((r) => r.kind === 'clawback');
    expect(claw.map((r) => r.points)).toEqual([-100]);
    expect(rows.find((r) => r.kind === 'earn')?.remaining).toBe(200);
    // Points spent after they became available, then the order refunded in full: the rest comes out of other points.
    const later = days(20);
    const spend = await api('POST', `/loyalty/members/${o.customerId}/redeem`, { points: 250, key: 'till-1' });
    expect(spend.statusCode).toBe(409); // the API's clock is now: the order's points are still pending
    const { redeemPoints } = await import('./ledger.ts');
    await redeemPoints(patron.ctx.db, await ledgerContextOf(at(later)), {
      customerId: o.customerId,
      points: 250,
      key: 'till-1',
      reason: null,
      actor: { type: 'system', id: null, label: 'test', ip: null },
    });
    await order({ phone: '13700000003', total: 30_000, externalId: o.externalId, status: 'refunded', refunded: 30_000 });
    await settle(later);
    rows = await ledger(o.customerId);
    expect(rows.filter((r) => r.kind === 'clawback').map((r) => r.points)).toEqual([-100, -200]);
    // 200 + 100 + 50 earned, 250 spent, 200 clawed back: nothing is left and nothing is negative.
    expect((await member(o.customerId, later)).balance.available).toBe(0);
    expect(rows.every((r) => r.remaining >= 0)).toBe(true);
  });

  it('lets one of two redemptions racing on one balance win; the same key twice is one redemption', async () => {
    const o = await order({ phone: '13700000004', total: 10_000 });
    await settle(T0);
    const c = await ledgerContextOf(at(days(15)));
    const { redeemPoints } = await import('./ledger.ts');
    const actor = { type: 'system' as const, id: null, label: 'test', ip: null };
    const spend = (key: string) => redeemPoints(patron.ctx.db, c, { customerId: o.customerId, points: 200, key, reason: null, actor });
    const results = await Promise.allSettled([spend('a'), spend('b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason.code).toBe('LOYALTY_INSUFFICIENT_POINTS');
    const winner = results[0].status === 'fulfilled' ? 'a' : 'b';
    await spend(winner);
    expect((await ledger(o.customerId)).filter((r) => r.kind === 'redeem')).toHaveLength(1);
    expect((await member(o.customerId, days(15))).balance.available).toBe(250 - 200);
  });

  it('adjusts with a reason, audited; a deduction beyond the balance is refused', async () => {
    const o = await order({ phone: '13700000005', total: 1_000 });
    await settle(T0);
    const add = await api('POST', `/loyalty/members/${o.customerId}/adjust`, { points: 30, reason: '客服补偿' });
    expect(add.statusCode, add.body).toBe(200);
    const over = await api('POST', `/loyalty/members/${o.customerId}/adjust`, { points: -500, reason: '误操作' });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('LOYALTY_INSUFFICIENT_POINTS');
    // The 360 shows the membership and balance the member API shows, and the adjustment first in the points history.
    const panels = (await api('GET', `/customers/${o.customerId}/panels`)).json().items;
    const panel = (key: string) => panels.find((p: { key: string }) => p.key === key);
    const m = await member(o.customerId, new Date());
    expect(panel('loyalty').rows).toEqual([
      {
        memberNo: m.memberNo,
        tier: null,
        available: m.balance.available,
        pending: m.balance.pending,
        expiring: m.balance.expiring,
        joinedAt: m.joinedAt,
      },
    ]);
    expect(panel('loyalty_ledger').rows[0]).toMatchObject({ kind: 'adjust', points: 30, state: 'available' });
    expect(panel('loyalty_ledger').rows[0].reason).toContain('客服补偿');
    const audit = await patron.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'loyalty.adjust').execute();
    expect(audit.some((a) => a.target_id === String(o.customerId))).toBe(true);
    expect((await api('POST', `/loyalty/members/${o.customerId}/adjust`, { points: 0, reason: 'x' })).statusCode).toBe(400);
  });

  it('expires points after 12 months, once; reminds before; bonuses once per reference', async () => {
    const o = await order({ phone: '13700000006', total: 5_000 });
    await settle(T0);
    const bonus = () => api('POST', `/loyalty/members/${o.customerId}/bonus`, { kind: 'review', reference: 'review-9' });
    expect((await bonus()).json()).toEqual({ credited: true, points: 20 });
    expect((await bonus()).json()).toEqual({ credited: false, points: 0 });
    // A month before, the reminder (once per expiry date, with the member page's link).
    const template = await api('PUT', '/message-templates/points-expiring', {
      key: 'points-expiring',
      name: 'points-expiring',
      purpose: 'transactional',
      channel: 'sms',
      body: {
        'zh-CN': '您有{{ points.expiring }}积分将于{{ points.expires_on }}过期 {{ loyalty.member_url }}',
        en: '{{ points.expiring }} points expire on {{ points.expires_on }}',
      },
    });
    expect(template.statusCode, template.body).toBe(200);
    const settings = (await api('GET', '/loyalty/settings')).json();
    await api('PUT', '/loyalty/settings', { ...settings, expiry: { ...settings.expiry, reminderTemplate: 'points-expiring' } });
    await nightly(at(days(14 + 340)));
    await nightly(at(days(14 + 341)));
    const reminders = await patron.ctx.db
      .selectFrom('messages')
      .selectAll()
      .where('source', '=', 'loyalty')
      .where('customer_id', '=', o.customerId)
      .execute();
    expect(reminders).toHaveLength(1);
    expect(reminders[0].variables).toMatchObject({ points: { expiring: 220, balance: 220 } });
    expect((reminders[0].variables as { loyalty: { member_url: string } }).loyalty.member_url).toContain('/m/');
    // The 360's panel counts as expiring what the programme's reminder window holds.
    const expiring = async (now: Date) => {
      const [panel] = loyaltyPanels;
      const r = await sql<{ v: unknown }>`select ${panel.select({ now })} as v from customers c where c.id = ${o.customerId}`.execute(
        patron.ctx.db,
      );
      return panel.present(r.rows[0].v, { customerId: o.customerId, now }).rows[0].expiring;
    };
    expect(await expiring(days(14 + 341))).toBe(220);
    await api('PUT', '/loyalty/settings', { ...settings, expiry: { ...settings.expiry, reminderDays: 5 } });
    expect(await expiring(days(14 + 341))).toBe(0);
    // The sign-up bonus, available at T0, expires first (the review's came later, the order's lot 14 days on).
    expect(await expiring(days(14 + 347))).toBe(50);
    await api('PUT', '/loyalty/settings', settings);
    const yearOn = days(14 + 366);
    await nightly(at(yearOn));
    await nightly(at(yearOn));
    const rows = await ledger(o.customerId);
    const expired = rows.filter((r) => r.kind === 'expire');
    // The order's lot and the first-order bonus (available at day 14), the sign-up and review bonuses (at once).
    expect(expired.reduce((s, r) => s + r.points, 0)).toBe(-(50 + 100 + 50 + 20));
    expect(new Set(expired.map((r) => r.source)).size).toBe(4);
    expect((await member(o.customerId, yearOn)).balance).toMatchObject({ available: 0, expired: 220 });
  });

  it('upgrades at once, keeps the tier to the end of its term, and downgrades only when the term ends', async () => {
    const o = await order({ phone: '13700000007', total: 600_000 });
    await settle(T0);
    let m = await member(o.customerId);
    expect(m.tier).toBe('gold');
    expect(m.freeShipping).toBe(true);
    expect(m.tierReviewAt).toBe('2026-12-31T16:00:00.000Z'); // 1 January 2027, Shanghai
    // The upgrade brought the gold coupon, once.
    const coupons = (await api('GET', `/loyalty/members/${o.customerId}/coupons`)).json();
    expect(coupons).toHaveLength(1);
    expect(coupons[0].name).toBe('金卡礼券');
    // In 2027 with no spending, gold is kept (2026's figure was above its keep threshold) until the next year's end.
    await nightly(at(new Date('2027-01-01T01:00:00Z')));
    m = await member(o.customerId, new Date('2027-01-01T01:00:00Z'));
    expect(m.tier).toBe('gold');
    expect(m.tierReviewAt).toBe('2027-12-31T16:00:00.000Z');
    await nightly(at(new Date('2027-12-31T15:00:00Z')));
    expect((await member(o.customerId, new Date('2027-12-31T15:00:00Z'))).tier).toBe('gold');
    // 2027 ended with nothing spent: down to no tier (silver's keep is 500 元).
    await nightly(at(new Date('2028-01-01T01:00:00Z')));
    expect((await member(o.customerId, new Date('2028-01-01T01:00:00Z'))).tier).toBeNull();
    const changes = await patron.ctx.db.selectFrom('loyalty_tier_changes').selectAll().where('customer_id', '=', o.customerId).execute();
    expect(changes.map((c) => [c.from_tier, c.to_tier, c.direction])).toEqual([
      [null, 'gold', 'up'],
      ['gold', null, 'down'],
    ]);
  });

  it('previews who would move under new rules before they are saved', async () => {
    const settings = (await api('GET', '/loyalty/settings')).json();
    const lower = {
      ...settings,
      tiers: settings.tiers.map((t: { key: string }) => (t.key === 'silver' ? { ...t, entry: 10_000, keep: 5_000 } : t)),
    };
    const preview = (await api('POST', '/loyalty/settings/preview', lower)).json();
    const up = preview.moves.find((mv: { from: string | null; to: string }) => mv.from === null && mv.to === 'silver');
    expect(up.members).toBeGreaterThan(0);
    expect(preview.sample.length).toBeGreaterThan(0);
    const members = await patron.ctx.db.selectFrom('loyalty_members').select('tier').where('tier', '=', 'silver').execute();
    expect(members).toHaveLength(0);
    const bad = await api('POST', '/loyalty/settings/preview', { ...settings, tiers: [settings.tiers[1], settings.tiers[0]] });
    expect(bad.statusCode).toBe(400);
  });

  it('generates unique unambiguous codes, validates with reasons, redeems once per order, undoes on cancellation', async () => {
    const tpl = (
      await api('POST', '/coupons/templates', { name: '满100减20', kind: 'fixed', amount: 2_000, minSpend: 10_000, perCustomerLimit: 1 })
    ).json();
    const batch = await api('POST', `/coupons/templates/${tpl.id}/batches`, { count: 5_000 });
    expect(batch.statusCode, batch.body).toBe(201);
    const codes = await patron.ctx.db.selectFrom('coupons').select('code').where('batch_id', '=', batch.json().id).execute();
    expect(codes).toHaveLength(5_000);
    expect(codes.every((c) => /^[A-HJKMNP-Z2-9]{10}$/.test(c.code))).toBe(true);
    const code = codes[0].code;
    const check = (body: object) => api('POST', '/coupons/validate', { code, ...body }).then((r) => r.json());
    expect(await check({ orderTotal: 5_000 })).toMatchObject({ valid: false, reason: 'min_spend' });
    expect(await check({ orderTotal: 12_000 })).toMatchObject({ valid: true, discount: 2_000 });
    expect((await api('POST', '/coupons/validate', { code: 'NOPE1234', orderTotal: 1 })).json().reason).toBe('not_found');
    const buyer = await order({ phone: '13700000008', total: 12_000 });
    const redeem = (orderId: string) => api('POST', '/coupons/redeem', { code, orderId, orderTotal: 12_000, customerId: buyer.customerId });
    const first = await redeem(buyer.externalId);
    expect(first.statusCode, first.body).toBe(200);
    expect((await redeem(buyer.externalId)).json().id).toBe(first.json().id);
    const again = await redeem('another-order');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details.reason).toBe('used_up');
    // The order is cancelled: the code is good again.
    await order({ phone: '13700000008', total: 12_000, externalId: buyer.externalId, status: 'cancelled' });
    await settle(T0);
    expect(await check({ orderTotal: 12_000, customerId: buyer.customerId })).toMatchObject({ valid: true });
    // Two orders racing for a single-use code: one has it.
    const other = codes[1].code;
    const race = await Promise.all(
      ['R-1', 'R-2'].map((orderId) => api('POST', '/coupons/redeem', { code: other, orderId, orderTotal: 12_000 })),
    );
    expect(race.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const report = (await api('GET', '/loyalty/report')).json();
    const row = report.coupons.find((r: { templateId: number }) => r.templateId === tpl.id);
    expect(row).toMatchObject({ issued: 5_000, redeemed: 1, discount: 2_000 });
    expect(report.members).toBeGreaterThan(5);
    expect(report.earnBurn.reduce((n: number, m: { earned: number }) => n + m.earned, 0)).toBeGreaterThan(0);
  });

  it('keeps the 开卡 date for segments and for a membership-anniversary journey', async () => {
    const person = (await api('POST', '/customers', { phone: '13700000010', name: '老会员' })).json().customerId;
    const join = await api('POST', '/loyalty/members', { customerId: person, joinedAt: '2025-12-03T09:30:00+08:00' });
    expect(join.statusCode, join.body).toBe(201);
    expect((await api('POST', '/loyalty/members', { customerId: person })).json().error.code).toBe('LOYALTY_ALREADY_MEMBER');
    const count = await api('POST', '/segments/preview', {
      rules: {
        type: 'group',
        op: 'and',
        children: [{ type: 'field', field: 'loyalty.joined_at', operator: 'before', value: '2026-01-01' }],
      },
    });
    expect(count.statusCode, count.body).toBe(200);
    expect(count.json().count).toBe(1);
    await api('PUT', '/message-templates/card-anniversary', {
      key: 'card-anniversary',
      name: 'a',
      channel: 'sms',
      purpose: 'transactional',
      body: { 'zh-CN': '开卡一周年快乐，礼券 {{ coupon.code }}', en: 'Happy anniversary: {{ coupon.code }}' },
    });
    const journey = await api('POST', '/journeys', {
      key: 'card-anniversary',
      name: '开卡周年',
      definition: {
        trigger: { type: 'date', field: 'card_opened', calendar: 'gregorian', offsetDays: 0, time: '10:00' },
        start: 'gift',
        steps: [
          { id: 'gift', type: 'coupon', templateId: giftTemplate, next: 'hello' },
          { id: 'hello', type: 'message', template: 'card-anniversary', next: null },
        ],
      },
    });
    expect(journey.statusCode, journey.body).toBe(200);
    expect((await api('POST', `/journeys/${journey.json().id}/activate`)).statusCode).toBe(200);
    const { enterByDate } = await import('../journeys/index.ts');
    await enterByDate(at(new Date('2026-12-02T20:00:00Z'))); // 04:00 on 3 December in Shanghai
    const runs = await patron.ctx.db.selectFrom('journey_runs').select('customer_id').where('journey_id', '=', journey.json().id).execute();
    expect(runs.map((r) => Number(r.customer_id))).toEqual([person]);
    // At 10:00 the run issues the gift coupon (once) and the message carries its code.
    const { advanceDue } = await import('../journeys/index.ts');
    while ((await advanceDue(at(new Date('2026-12-03T02:00:00Z')))) > 0);
    const coupons = (await api('GET', `/loyalty/members/${person}/coupons`)).json();
    expect(coupons).toHaveLength(1);
    const sent = await patron.ctx.db.selectFrom('messages').selectAll().where('customer_id', '=', person).execute();
    expect(sent[0].variables).toMatchObject({ coupon: { code: coupons[0].code, amount: 5_000 } });
    const bad = await api('POST', '/journeys', {
      key: 'bad-coupon',
      name: 'x',
      definition: {
        trigger: { type: 'manual' },
        start: 'gift',
        steps: [{ id: 'gift', type: 'coupon', templateId: 999_999, next: null }],
      },
    });
    const activate = await api('POST', `/journeys/${bad.json().id}/activate`);
    expect(activate.statusCode).toBe(400);
    expect(JSON.stringify(activate.json())).toContain('coupon template 999999');
  });

  it('shows the member page from a signed link, and refuses a forged one', async () => {
    const o = await order({ phone: '13700000009', total: 8_800 });
    await settle(T0);
    const link = (await api('GET', `/loyalty/members/${o.customerId}/link`)).json().url as string;
    const page = await patron.http.inject({ method: 'GET', url: new URL(link).pathname, headers: { 'accept-language': 'en' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Points available');
    const m = await member(o.customerId);
    expect(page.body).toContain(m.memberNo);
    // Any message may print the member page's link and the balance (messaging reads loyalty's message scope).
    const rendered = await api('POST', '/message-templates/preview', {
      customerId: o.customerId,
      template: {
        key: 'points-note',
        name: 'n',
        channel: 'sms',
        purpose: 'transactional',
        body: { 'zh-CN': '{{ loyalty.member_no }} 积分 {{ points.balance }} {{ loyalty.member_url }}', en: 'x' },
      },
    });
    expect(rendered.statusCode, rendered.body).toBe(200);
    expect(rendered.json().text).toContain(link);
    expect(rendered.json().text).toContain(m.memberNo);
    const zh = await patron.http.inject({ method: 'GET', url: `/m/${memberToken(patron.ctx.keyring, o.customerId)}` });
    expect(zh.body).toContain('可用积分');
    const forged = `${Buffer.from(String(o.customerId + 1)).toString('base64url')}.${'0'.repeat(32)}`;
    expect((await patron.http.inject({ method: 'GET', url: `/m/${forged}` })).statusCode).toBe(404);
  });
});
