import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Session, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { createIntegration } from '../ingest/index.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'test', ip: null };
const SECRET = 'shpss_orders_area_secret_0123456789';
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('base64');

describe('orders area', () => {
  let patron: Patron;
  let owner: Session;
  let shopify: number;
  let jd: number;
  let taobao: number;
  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    const make = async (provider: 'shopify' | 'jd' | 'taobao') =>
      (await createIntegration(patron.ctx.db, patron.ctx.keyring, { provider, name: provider, secret: SECRET, actor: ACTOR })).integration
        .id;
    shopify = await make('shopify');
    jd = await make('jd');
    taobao = await make('taobao');
  });
  afterAll(() => patron.close());

  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    patron.http.inject({ method, url: `/api/v1${url}`, headers: as(owner), payload: payload as object });
  const shop = (topic: string, payload: unknown, id: string) => {
    const body = JSON.stringify(payload);
    return patron.http.inject({
      method: 'POST',
      url: `/webhooks/shopify/${shopify}`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': sign(body),
        'x-shopify-webhook-id': id,
      },
    });
  };
  const market = (id: number, order: unknown) => {
    const body = JSON.stringify({ order });
    return patron.http.inject({
      method: 'POST',
      url: `/webhooks/orders/${id}`,
      payload: body,
      headers: { 'content-type': 'application/json', 'x-patron-signature': `sha256=${sign(body)}` },
    });
  };

  it('keeps parcels from Shopify fulfilments, JD waybills, Taobao sub-orders and the REST API, and moves the order along', async () => {
    const order = {
      id: 5001,
      email: 'mei@example.com',
      created_at: '2026-11-01T10:00:00+08:00',
      currency: 'CNY',
      total_price: '120.00',
      financial_status: 'paid',
      customer: { id: 77, email: 'mei@example.com' },
      line_items: [{ id: 1, sku: 'TEA-1', title: '乌龙茶', quantity: 1, price: '120.00' }],
      fulfillments: [
        {
          id: 9,
          status: 'success',
          tracking_company: '顺丰速运',
          tracking_number: 'SF1234567890',
          shipment_status: 'in_transit',
          created_at: '2026-11-02T09:00:00+08:00',
        },
      ],
    };
    expect((await shop('orders/create', order, 'o-1')).statusCode).toBe(200);
    const delivered = {
      id: 9,
      order_id: 5001,
      status: 'success',
      tracking_company: '顺丰速运',
      tracking_number: 'SF1234567890',
      shipment_status: 'delivered',
      created_at: '2026-11-02T09:00:00+08:00',
      updated_at: '2026-11-03T15:00:00+08:00',
    };
    expect((await shop('fulfillments/update', delivered, 'f-1')).statusCode).toBe(200);

    const jdOrder = {
      orderId: '300012345678',
      orderState: 'WAIT_GOODS_RECEIVE_CONFIRM',
      orderPayment: '89.00',
      freightPrice: '0.00',
      orderStartTime: '2026-11-05 20:00:00',
      paymentConfirmTime: '2026-11-05 20:01:00',
      open_id_buyer: 'jd-open-1',
      consigneeInfo: { province: '北京', city: '北京市', county: '海淀区' },
      waybill: 'JDV000111222',
      logisticsName: '京东物流',
      itemInfoList: [{ skuId: '1001', outerSkuId: 'CUP-1', skuName: '马克杯', itemTotal: '1', jdPrice: '89.00' }],
    };
    expect((await market(jd, jdOrder)).statusCode).toBe(200);
    const tbOrder = {
      tid: 4400001,
      status: 'WAIT_BUYER_CONFIRM_GOODS',
      payment: '59.00',
      total_fee: '59.00',
      post_fee: '0.00',
      created: '2026-11-06 09:00:00',
      pay_time: '2026-11-06 09:01:00',
      consign_time: '2026-11-06 18:00:00',
      ouid: 'tb-ouid-1',
      receiver_state: '浙江省',
      receiver_city: '杭州市',
      orders: [
        {
          oid: 1,
          num_iid: 9,
          outer_sku_id: 'PEN-1',
          title: '钢笔',
          price: '59.00',
          num: 1,
          payment: '59.00',
          logistics_company: '中通快递',
          invoice_no: 'ZTO7788990011',
        },
      ],
    };
    expect((await market(taobao, tbOrder)).statusCode).toBe(200);

    const rest = await api('POST', '/orders', {
      channel: 'pos',
      externalId: 'P-1',
      customer: { externalIds: [{ channel: 'pos', id: 'c1' }] },
      status: 'paid',
      totalAmount: 1000,
      placedAt: '2026-11-07T10:00:00+08:00',
    });
    expect(rest.statusCode, rest.body).toBe(200);
    const parcel = await api('POST', '/shipments', {
      channel: 'pos',
      orderExternalId: 'P-1',
      carrier: '圆通速递',
      trackingNumber: 'YT55555',
      status: 'in_transit',
    });
    expect(parcel.json()).toMatchObject({ status: 'in_transit' });
    const unknown = await api('POST', '/shipments', { channel: 'pos', orderExternalId: 'nope', trackingNumber: 'X' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'ORDER_NOT_FOUND']);

    const list = (await api('GET', '/orders?limit=10')).json();
    const byNumber = Object.fromEntries(list.items.map((o: { externalId: string }) => [o.externalId, o]));
    expect(byNumber['5001']).toMatchObject({
      status: 'delivered',
      trackingNumbers: ['SF1234567890'],
      channel: { code: 'shopify' },
      items: 1,
    });
    expect(byNumber['300012345678']).toMatchObject({ status: 'shipped', trackingNumbers: ['JDV000111222'], totalAmount: 8900 });
    expect(byNumber['4400001']).toMatchObject({ status: 'shipped', trackingNumbers: ['ZTO7788990011'] });
    expect(byNumber['P-1']).toMatchObject({ status: 'shipped', trackingNumbers: ['YT55555'] });

    const detail = (await api('GET', `/orders/${byNumber['5001'].id}`)).json();
    expect(detail.shipments).toEqual([
      expect.objectContaining({
        carrier: '顺丰速运',
        trackingNumber: 'SF1234567890',
        status: 'delivered',
        deliveredAt: '2026-11-03T07:00:00.000Z',
      }),
    ]);
    expect(detail.lines).toEqual([{ sku: 'TEA-1', name: '乌龙茶', quantity: 1, unitPrice: 12000, amount: 12000 }]);
    expect(detail.deliveredAt).toBe('2026-11-03T07:00:00.000Z');
  });

  it('searches by order or tracking number and filters by status, channel, day, amount and buyer, page by page', async () => {
    const get = async (qs: string) => (await api('GET', `/orders?${qs}`)).json().items.map((o: { externalId: string }) => o.externalId);
    expect(await get('q=3000')).toEqual(['300012345678']);
    expect(await get('q=ZTO7788990011')).toEqual(['4400001']);
    expect(await get('q=%25')).toEqual([]);
    expect(await get('status=delivered')).toEqual(['5001']);
    expect((await get('status=shipped&status=delivered')).sort()).toEqual(['300012345678', '4400001', '5001', 'P-1']);
    expect(await get('channel=jd')).toEqual(['300012345678']);
    expect(await get('from=2026-11-06&to=2026-11-06')).toEqual(['4400001']);
    expect(await get('minAmount=5000&maxAmount=9000')).toEqual(['4400001', '300012345678']);
    const first = (await api('GET', '/orders?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (await api('GET', `/orders?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((o: { externalId: string }) => o.externalId)).toEqual(['300012345678', '5001']);
    const buyer = first.items[0].customer.id;
    expect(await get(`customerId=${buyer}`)).toEqual(['P-1']);
    const bad = await api('GET', '/orders?cursor=bm9wZQ');
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_CURSOR']);
    const missing = await api('GET', '/orders/999999');
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'ORDER_NOT_FOUND']);
  });
});
