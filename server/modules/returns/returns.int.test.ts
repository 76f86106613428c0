import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { dispatchEvents } from '../../events/index.ts';
import { patronComposition } from '../../modules.ts';
import { processChanges } from '../analytics/index.ts';
import { recordRefund } from '../commerce/index.ts';
import { seedDemoAfterSales } from '../demo/index.ts';

/** Deliveries a day ago (the routes run on the real clock; the return window counts from delivery). */
const T0 = new Date(Date.now() - 86_400_000);
const day = (d: Date) => d.toISOString().slice(0, 10);
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);

describe('returns', () => {
  let patron: Patron;
  let owner: Session;
  const api = apiAs(
    () => patron,
    () => owner,
  );
  let n = 0;
  /** A delivered order of two lines: 2 scarves at ¥199 and 1 hat at ¥99. */
  const order = async (phone: string, deliveredAt = T0) => {
    const externalId = `RT-${++n}`;
    const res = await api('POST', '/orders', {
      channel: 'tmall',
      externalId,
      customer: { phone, name: '退货测试' },
      status: 'delivered',
      totalAmount: 49_700,
      placedAt: days(-5).toISOString(),
      paidAt: days(-5).toISOString(),
      deliveredAt: deliveredAt.toISOString(),
      items: [
        { sku: 'SCARF', name: '羊绒围巾', quantity: 2, unitPrice: 19_900 },
        { sku: 'HAT', name: '毛线帽', quantity: 1, unitPrice: 9_900 },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const { orderId, customerId } = res.json() as { orderId: number; customerId: number };
    const returnable = (await api('GET', `/orders/${orderId}/returnable`)).json();
    const item = (sku: string) => returnable.lines.find((l: { sku: string }) => l.sku === sku).orderItemId as number;
    return { orderId, customerId, externalId, scarf: item('SCARF'), hat: item('HAT'), requestUrl: returnable.requestUrl as string };
  };
  const ask = (body: object) => api('POST', '/returns', { reason: 'size', ...body });
  const moveTo = (id: number, body: object) => api('POST', `/returns/${id}/moves`, body);
  const settle = async () => {
    while ((await dispatchEvents(patron.ctx, patronComposition.subscriptions)) > 0);
  };
  const messagesOf = (id: number) =>
    patron.ctx.db.selectFrom('messages').select(['key', 'status']).where('key', 'like', `return:${id}:%`).orderBy('id').execute();

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
  });
  afterAll(async () => patron?.close());

  it('shows the contacts in a buyer’s note masked, and in clear only on request, audited', async () => {
    const o = await order('+8613900000077');
    const created = await ask({
      orderId: o.orderId,
      lines: [{ orderItemId: o.scarf, quantity: 1 }],
      note: '请打 13912345678 或发 buyer@example.com',
    });
    const id = created.json().id;
    expect(created.json().note).toBe('请打 139****5678 或发 b***@example.com');
    expect((await api('GET', `/returns/${id}`)).json().note).toBe('请打 139****5678 或发 b***@example.com');
    expect((await api('GET', `/returns/${id}?reveal=true`)).json().note).toBe('请打 13912345678 或发 buyer@example.com');
    const audited = await patron.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', '=', 'customer.reveal_pii')
      .execute();
    expect(audited.map((a) => a.details)).toContainEqual({ via: 'return', returnId: id });
  });

  it('walks a return through every state to a partial refund that reaches the order and the metrics', async () => {
    const o = await order('+8613900000001');
    const created = await ask({ orderId: o.orderId, lines: [{ orderItemId: o.scarf, quantity: 2 }], note: '颜色偏差' });
    expect(created.statusCode, created.body).toBe(201);
    const r = created.json();
    expect(r).toMatchObject({ state: 'requested', value: 39_800, note: '颜色偏差', autoApproved: false });
    // Only from the right states: an unapproved return cannot be received; 409 with a stable code.
    const early = await moveTo(r.id, { move: 'receive' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('RETURN_STATE_CONFLICT');
    expect((await moveTo(r.id, { move: 'approve' })).json().state).toBe('approved');
    expect((await moveTo(r.id, { move: 'ship', carrier: '顺丰', trackingNumber: 'SF1234567' })).json()).toMatchObject({
      state: 'in_transit',
      carrier: '顺丰',
    });
    const received = (await moveTo(r.id, { move: 'receive' })).json();
    // Receiving never refunds.
    expect(received).toMatchObject({ state: 'received', refundAmount: null });
    const line = received.lines[0].id;
    // One of the two scarves came back worn: partly accepted, with the reason.
    const inspected = (
      await moveTo(r.id, { move: 'inspect', lines: [{ lineId: line, acceptedQuantity: 1, refusalReason: '已洗涤' }] })
    ).json();
    expect(inspected.lines[0]).toMatchObject({ outcome: 'partly', acceptedQuantity: 1, refusalReason: '已洗涤' });
    const resolved = (await moveTo(r.id, { move: 'resolve', resolution: 'refund' })).json();
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'refund', refundAmount: 19_900 });
    const closed = (await moveTo(r.id, { move: 'close' })).json();
    expect(closed.history.map((h: { to: string }) => h.to)).toEqual([
      'requested',
      'approved',
      'in_transit',
      'received',
      'inspected',
      'resolved',
      'closed',
    ]);

    const orderRow = await patron.ctx.db
      .selectFrom('orders')
      .select(['status', 'refunded_amount'])
      .where('id', '=', o.orderId)
      .executeTakeFirstOrThrow();
    expect(orderRow).toEqual({ status: 'partially_refunded', refunded_amount: 19_900 });
    await processChanges(patron.ctx.db, { now: new Date(), timeZone: 'Asia/Shanghai' });
    const metrics = await patron.ctx.db
      .selectFrom('customer_metrics')
      .select('net_spent')
      .where('customer_id', '=', o.customerId)
      .executeTakeFirstOrThrow();
    expect(Number(metrics.net_spent)).toBe(49_700 - 19_900);
    expect((await api('GET', `/customers/${o.customerId}`)).json().stats.netSpent).toBe(49_700 - 19_900);
    // The customer was told at each state (not at closing), once per state.
    await settle();
    expect((await messagesOf(r.id)).map((m) => m.key)).toEqual(
      ['requested', 'approved', 'in_transit', 'received', 'inspected', 'resolved'].map((s) => `return:${r.id}:${s}`),
    );
    // Its events are on the domain event stream for journeys.
    const events = await patron.ctx.db
      .selectFrom('domain_events')
      .select('key')
      .where('type', '=', 'return.updated')
      .where('key', 'like', `return:${r.id}:%`)
      .execute();
    expect(events).toHaveLength(7);
  });

  it('never takes more than was bought less what other returns hold, and refuses bad input with stable codes', async () => {
    const o = await order('+8613900000002');
    expect((await ask({ orderId: o.orderId, lines: [{ orderItemId: o.scarf, quantity: 1 }] })).statusCode).toBe(201);
    const tooMany = await ask({ orderId: o.orderId, lines: [{ orderItemId: o.scarf, quantity: 2 }] });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error).toMatchObject({ code: 'RETURN_QUANTITY_EXCEEDED', details: { returnable: 1 } });
    const split = await ask({
      orderId: o.orderId,
      lines: [
        { orderItemId: o.hat, quantity: 1 },
        { orderItemId: o.hat, quantity: 1 },
      ],
    });
    expect(split.json().error.code).toBe('RETURN_QUANTITY_EXCEEDED');
    const other = await order('+8613900000003');
    expect((await ask({ orderId: o.orderId, lines: [{ orderItemId: other.hat, quantity: 1 }] })).json().error.code).toBe(
      'RETURN_LINE_UNKNOWN',
    );
    expect((await ask({ orderId: o.orderId, reason: 'nope', lines: [{ orderItemId: o.hat, quantity: 1 }] })).json().error.code).toBe(
      'RETURN_REASON_UNKNOWN',
    );
    expect((await ask({ orderId: 999_999, lines: [{ orderItemId: o.hat, quantity: 1 }] })).statusCode).toBe(404);
    expect((await ask({ orderId: o.orderId, lines: [] })).statusCode).toBe(400);
    const late = await order('+8613900000004', days(-40));
    expect((await ask({ orderId: late.orderId, lines: [{ orderItemId: late.hat, quantity: 1 }] })).json().error.code).toBe(
      'RETURN_WINDOW_CLOSED',
    );
    expect((await moveTo(123_456, { move: 'approve' })).statusCode).toBe(404);
    // A rejected request frees its units again.
    const first = (await api('GET', `/returns?orderId=${o.orderId}`)).json().items[0].id;
    const rejected = await moveTo(first, { move: 'reject', reason: '超过七天' });
    expect(rejected.json()).toMatchObject({ state: 'rejected', rejectedReason: '超过七天' });
    expect((await ask({ orderId: o.orderId, lines: [{ orderItemId: o.scarf, quantity: 2 }] })).statusCode).toBe(201);
  });

  it('refuses a whole line, and resolves an exchange as a replacement order and store credit as points', async () => {
    const o = await order('+8613900000005');
    const r = (
      await ask({
        orderId: o.orderId,
        reason: 'quality',
        lines: [
          { orderItemId: o.scarf, quantity: 2 },
          { orderItemId: o.hat, quantity: 1 },
        ],
      })
    ).json();
    await moveTo(r.id, { move: 'approve' });
    await moveTo(r.id, { move: 'receive' });
    const [scarf, hat] = r.lines.map((l: { id: number }) => l.id);
    const inspected = (
      await moveTo(r.id, { move: 'inspect', lines: [{ lineId: hat, acceptedQuantity: 0, refusalReason: '非本店商品' }] })
    ).json();
    expect(inspected.lines.find((l: { id: number }) => l.id === hat)).toMatchObject({ outcome: 'refused', acceptedQuantity: 0 });
    expect(inspected.lines.find((l: { id: number }) => l.id === scarf)).toMatchObject({ outcome: 'accepted', acceptedQuantity: 2 });
    const exchanged = (await moveTo(r.id, { move: 'resolve', resolution: 'exchange' })).json();
    expect(exchanged.resolution).toBe('exchange');
    const replacement = await patron.ctx.db
      .selectFrom('orders')
      .select(['external_id', 'total_amount', 'customer_id'])
      .where('id', '=', exchanged.exchangeOrderId)
      .executeTakeFirstOrThrow();
    expect(replacement).toEqual({ external_id: `${o.externalId}-RMA${r.id}`, total_amount: 0, customer_id: o.customerId });
    const items = await patron.ctx.db
      .selectFrom('order_items')
      .select(['sku', 'quantity'])
      .where('order_id', '=', exchanged.exchangeOrderId)
      .execute();
    expect(items).toEqual([{ sku: 'SCARF', quantity: 2 }]);

    // Store credit needs a loyalty member; 1 point per ¥1 of the accepted value by default.
    await api('PUT', '/loyalty/settings', { ...(await api('GET', '/loyalty/settings')).json<object>(), enabled: true });
    expect((await api('POST', `/loyalty/members`, { customerId: o.customerId })).statusCode).toBeLessThan(300);
    const o2 = await order('+8613900000005');
    const credit = (await ask({ orderId: o2.orderId, refundOnly: true, lines: [{ orderItemId: o2.hat, quantity: 1 }] })).json();
    await moveTo(credit.id, { move: 'approve' });
    const resolved = (await moveTo(credit.id, { move: 'resolve', resolution: 'store_credit' })).json();
    expect(resolved).toMatchObject({ resolution: 'store_credit', creditPoints: 99 });
    const ledger = await patron.ctx.db
      .selectFrom('loyalty_ledger')
      .select(['points', 'source'])
      .where('source', '=', `return:${credit.id}`)
      .execute();
    expect(ledger).toEqual([{ points: 99, source: `return:${credit.id}` }]);
    // Resolving twice is a conflict, not a second credit.
    expect((await moveTo(credit.id, { move: 'resolve', resolution: 'store_credit' })).statusCode).toBe(409);
  });

  it('approves by the rules: recent, small, not flagged', async () => {
    const settings = (await api('GET', '/returns/settings')).json();
    const saved = await api('PUT', '/returns/settings', {
      ...settings,
      autoApprove: { ...settings.autoApprove, enabled: true, maxValue: 10_000 },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const o = await order('+8613900000006');
    const small = (await ask({ orderId: o.orderId, lines: [{ orderItemId: o.hat, quantity: 1 }] })).json();
    expect(small).toMatchObject({ state: 'approved', autoApproved: true });
    const big = (await ask({ orderId: o.orderId, lines: [{ orderItemId: o.scarf, quantity: 1 }] })).json();
    expect(big).toMatchObject({ state: 'requested', autoApproved: false });
    const flagged = await order('+8613900000007');
    await api('POST', `/customers/${flagged.customerId}/tags`, { tag: 'return_watch' });
    expect((await ask({ orderId: flagged.orderId, lines: [{ orderItemId: flagged.hat, quantity: 1 }] })).json().state).toBe('requested');
    const bad = await api('PUT', '/returns/settings', { ...settings, autoApprove: { ...settings.autoApprove, reasons: ['nope'] } });
    expect(bad.json().error.code).toBe('RETURN_SETTINGS_INVALID');
    await api('PUT', '/returns/settings', settings);
  });

  it('lets the customer ask on a signed page, send the parcel details and see the state; a forged link is refused', async () => {
    const o = await order('+8613900000008');
    const path = new URL(o.requestUrl).pathname;
    const page = await patron.http.inject({ method: 'GET', url: path, headers: { 'accept-language': 'zh-CN' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('羊绒围巾');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
    const sent = await patron.http.inject({
      method: 'POST',
      url: path,
      payload: {
        reason: 'damaged',
        note: '',
        lines: [{ orderItemId: o.scarf, quantity: 1 }],
        photos: [{ fileName: 'a.png', contentType: 'image/png', data: png }],
      },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const own = sent.json().url as string;
    const id = (await api('GET', `/returns?orderId=${o.orderId}`)).json().items[0].id;
    const detail = (await api('GET', `/returns/${id}`)).json();
    expect(detail.photos).toHaveLength(1);
    expect((await api('GET', `/returns/${id}/photos/${detail.photos[0].id}`)).headers['content-type']).toBe('image/png');
    await moveTo(id, { move: 'approve' });
    const shipped = await patron.http.inject({ method: 'POST', url: own, payload: { carrier: '中通', trackingNumber: 'ZT998877' } });
    expect(shipped.statusCode, shipped.body).toBe(200);
    const state = await patron.http.inject({ method: 'GET', url: own, headers: { 'accept-language': 'en' } });
    expect(state.body).toContain('On its way back to us');
    expect((await patron.http.inject({ method: 'GET', url: `${own}x` })).statusCode).toBe(404);
    expect((await patron.http.inject({ method: 'GET', url: '/r/order/MTIz.deadbeefdeadbeefdeadbeefdeadbeef' })).statusCode).toBe(404);
  });

  it('lists refunds from marketplaces beside its own requests, once each, and reports rates and root causes', async () => {
    const o = await order('+8613900000009');
    await patron.ctx.db.transaction().execute(async (trx) => {
      const channel = await trx.selectFrom('orders').select('channel_id').where('id', '=', o.orderId).executeTakeFirstOrThrow();
      const refund = {
        channelId: channel.channel_id,
        orderExternalId: o.externalId,
        refundId: 'TB-RF-1',
        amount: 9_900,
        reason: '少件',
        source: 'taobao',
        refundedAt: T0,
        now: T0,
      };
      await recordRefund(trx, refund);
      await recordRefund(trx, refund);
    });
    await settle();
    await settle();
    const listed = (await api('GET', `/returns?orderId=${o.orderId}`)).json();
    expect(listed.items).toEqual([
      expect.objectContaining({ origin: 'taobao', state: 'resolved', resolution: 'refund', refundAmount: 9_900, reason: 'other' }),
    ]);

    const report = await api('GET', `/returns/report?from=${day(days(-60))}&to=${day(days(2))}`);
    expect(report.statusCode, report.body).toBe(200);
    const r = report.json();
    const scarf = r.products.find((p: { sku: string }) => p.sku === 'SCARF');
    expect(scarf.returned).toBeGreaterThan(0);
    expect(scarf.rate).toBeCloseTo(scarf.returned / scarf.sold, 3);
    expect(r.byReason.map((x: { reason: string }) => x.reason)).toContain('quality');
    expect(
      r.causes.some(
        (c: { kind: string; reason: string; sku: string }) => c.kind === 'return' && c.reason === 'quality' && c.sku === 'SCARF',
      ),
    ).toBe(true);
    expect(r.timeInState.find((s: { state: string }) => s.state === 'requested')).toBeDefined();
    expect(r.refunds.amount).toBeGreaterThan(0);
    expect((await api('GET', '/returns/report?from=2026-13-01&to=x')).statusCode).toBe(400);
  });

  it('gives the demo store articles and returns at several states', async () => {
    for (const phone of ['+8613900000021', '+8613900000022', '+8613900000023']) await order(phone);
    const seeded = await seedDemoAfterSales(patron.ctx);
    expect(seeded.articles).toBeGreaterThan(5);
    expect(seeded.returns).toBe(3);
    const states = (await api('GET', '/returns?limit=200')).json().items.map((r: { state: string }) => r.state);
    expect(states).toEqual(expect.arrayContaining(['requested', 'approved', 'resolved']));
    const help = await patron.http.inject({ method: 'GET', url: `/help/search?q=${encodeURIComponent('运费险')}` });
    expect(help.body).toContain('运费险怎么理赔');
  });
});
