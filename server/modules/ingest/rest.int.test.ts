import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Session, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';

describe('REST ingestion of orders, products, refunds and events', () => {
  let patron: Patron;
  let owner: Session;
  const post = (url: string, payload: unknown) =>
    patron.http.inject({ method: 'POST', url: `/api/v1${url}`, headers: as(owner), payload: payload as object });
  const count = async (table: 'orders' | 'order_items' | 'customers' | 'events' | 'refunds' | 'products') =>
    Number(
      (
        await patron.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  const order = {
    channel: 'jd',
    externalId: 'JD-1001',
    customer: {
      externalIds: [{ channel: 'jd', id: 'pin-001' }],
      phone: '13600001111',
      name: '陈晨',
      province: '江苏',
      city: '南京',
      address: '中山路 100 号',
    },
    status: 'paid',
    totalAmount: 25800,
    discountAmount: 1000,
    couponCodes: ['NEW10'],
    placedAt: '2026-11-20T10:00:00+08:00',
    paidAt: '2026-11-20T10:01:00+08:00',
    items: [{ sku: 'JD-SKU-1', name: '保温杯', category: '家居', quantity: 2, unitPrice: 12900 }],
  };

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
  });
  afterAll(() => patron.close());

  it('upserts an order with its buyer, items and shipping address; the same order twice changes nothing', async () => {
    const first = await post('/orders', order);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ created: true });
    const before = { orders: await count('orders'), items: await count('order_items'), customers: await count('customers') };
    const again = (await post('/orders', order)).json();
    expect(again).toEqual({ ...first.json(), created: false });
    expect({ orders: await count('orders'), items: await count('order_items'), customers: await count('customers') }).toEqual(before);
    const stored = await patron.ctx.db.selectFrom('orders').selectAll().where('id', '=', first.json().orderId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ status: 'paid', total_amount: 25800, currency: 'CNY', coupon_codes: ['NEW10'] });
    expect(stored.shipping_address_id).not.toBeNull();
    const shipped = (
      await post('/orders', { ...order, status: 'shipped', shippedAt: '2026-11-21T09:00:00+08:00', items: undefined })
    ).json();
    expect(shipped.created).toBe(false);
    const after = await patron.ctx.db
      .selectFrom('orders')
      .select(['status', 'shipped_at'])
      .where('id', '=', first.json().orderId)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('shipped');
    expect(await patron.ctx.db.selectFrom('order_items').select('sku').where('order_id', '=', first.json().orderId).execute()).toEqual([
      { sku: 'JD-SKU-1' },
    ]);
    // Placed, paid and shipped, each once, however often the order was sent.
    const events = await patron.ctx.db
      .selectFrom('domain_events')
      .select('type')
      .where('key', 'like', `order.%:${first.json().orderId}%`)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.paid', 'order.shipped']);
  });

  it('answers bad input with 400 and a code, and bulk calls with a result per item', async () => {
    const noBuyer = await post('/orders', { ...order, externalId: 'JD-2', customer: { phone: '123' } });
    expect([noBuyer.statusCode, noBuyer.json().error.code]).toEqual([400, 'CUSTOMER_IDENTIFIER_REQUIRED']);
    const badStatus = await post('/orders', { ...order, status: 'lost' });
    expect([badStatus.statusCode, badStatus.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const tooMany = await post('/orders/bulk', { items: Array.from({ length: 1001 }, () => order) });
    expect(tooMany.statusCode).toBe(400);
    const bulk = (
      await post('/orders/bulk', {
        items: [
          { ...order, externalId: 'JD-3' },
          { ...order, externalId: 'JD-4', customer: { email: 'nope' } },
          { ...order, externalId: 5 },
        ],
      })
    ).json();
    expect(bulk.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, true]);
    expect(bulk.results[1]).toMatchObject({ index: 1, error: { code: 'CUSTOMER_IDENTIFIER_REQUIRED' } });
    expect(
      await patron.ctx.db
        .selectFrom('orders')
        .select('external_id')
        .where('external_id', 'in', ['JD-3', 'JD-4', '5'])
        .orderBy('external_id')
        .execute(),
    ).toEqual([{ external_id: '5' }, { external_id: 'JD-3' }]);
  });

  it('upserts products by SKU and records refunds once by their id', async () => {
    expect((await post('/products', { sku: 'P-1', name: '茶具', category: '家居', price: 8800 })).json()).toMatchObject({ created: true });
    expect(
      (
        await post('/products/bulk', {
          items: [
            { sku: 'P-1', name: '茶具套装', price: 9900 },
            { sku: 'P-2', name: '茶叶', price: 5000 },
          ],
        })
      )
        .json()
        .results.map((r: { created: boolean }) => r.created),
    ).toEqual([false, true]);
    expect(
      await patron.ctx.db
        .selectFrom('products')
        .select(['name', 'category', 'price_amount'])
        .where('sku', '=', 'P-1')
        .executeTakeFirstOrThrow(),
    ).toEqual({ name: '茶具套装', category: '家居', price_amount: 9900 });
    // The same product again: same id, and the row is not rewritten.
    const before = await patron.ctx.db
      .selectFrom('products')
      .select(['id', 'updated_at', sql<string>`xmin::text`.as('version')])
      .where('sku', '=', 'P-2')
      .executeTakeFirstOrThrow();
    expect((await post('/products', { sku: 'P-2', name: '茶叶', price: 5000 })).json()).toMatchObject({
      productId: Number(before.id),
      created: false,
    });
    expect(
      await patron.ctx.db
        .selectFrom('products')
        .select(['id', 'updated_at', sql<string>`xmin::text`.as('version')])
        .where('sku', '=', 'P-2')
        .executeTakeFirstOrThrow(),
    ).toEqual(before);
    const get = (url: string) => patron.http.inject({ url: `/api/v1${url}`, headers: as(owner) }).then((r) => r.json());
    expect((await get(`/products?q=${encodeURIComponent('茶')}`)).items.map((p: { sku: string }) => p.sku).sort()).toEqual(['P-1', 'P-2']);
    expect((await get('/products?q=P-2')).items.map((p: { sku: string }) => p.sku)).toEqual(['P-2']);
    expect((await get('/products?q=100%25')).items).toEqual([]);
    expect((await get('/products/categories')).items).toEqual(expect.arrayContaining([{ category: '家居', products: 2 }]));
    const refund = {
      channel: 'jd',
      orderExternalId: 'JD-1001',
      refundId: 'RF-1',
      amount: 12900,
      reason: '不想要了',
      refundedAt: '2026-11-22T10:00:00+08:00',
    };
    expect((await post('/refunds', refund)).json()).toMatchObject({ amount: 12900, created: true });
    expect((await post('/refunds', refund)).json()).toMatchObject({ created: false });
    const o = await patron.ctx.db
      .selectFrom('orders')
      .select(['status', 'refunded_amount'])
      .where('external_id', '=', 'JD-1001')
      .executeTakeFirstOrThrow();
    expect(o).toEqual({ status: 'partially_refunded', refunded_amount: 12900 });
    const missing = await post('/refunds', { ...refund, orderExternalId: 'nope' });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'ORDER_NOT_FOUND']);
  });

  it('records events for identified, known and anonymous people, once per message id', async () => {
    const viewed = {
      name: 'Product Viewed',
      customer: { externalIds: [{ channel: 'jd', id: 'pin-001' }] },
      anonymousId: 'web-77',
      properties: { sku: 'JD-SKU-1', phone: '13600001111' },
      occurredAt: '2026-11-22T12:00:00+08:00',
    };
    const first = (await post('/events', viewed)).json();
    const buyer = await patron.ctx.db
      .selectFrom('customer_identities')
      .select('customer_id')
      .where('key', '=', 'pin-001')
      .executeTakeFirstOrThrow();
    expect(first).toEqual({ customerId: buyer.customer_id, stored: true });
    expect((await post('/events', viewed)).json()).toEqual({ customerId: buyer.customer_id, stored: false });
    const anon = (
      await post('/events', {
        name: 'Page Viewed',
        type: 'page',
        anonymousId: 'web-77',
        occurredAt: '2026-11-22T12:05:00+08:00',
        messageId: 'pv-1',
      })
    ).json();
    expect(anon.customerId).toBe(buyer.customer_id);
    const stranger = (
      await post('/events', { name: 'Page Viewed', anonymousId: 'web-99', occurredAt: '2026-11-22T12:05:00+08:00' })
    ).json();
    expect(stranger).toEqual({ customerId: null, stored: true });
    const unknown = await post('/events', { name: 'x', customerId: 999999, occurredAt: '2026-11-22T12:05:00+08:00' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
    const nobody = await post('/events', { name: 'x', occurredAt: '2026-11-22T12:05:00+08:00' });
    expect([nobody.statusCode, nobody.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const props = await patron.ctx.db
      .selectFrom('events')
      .select('properties')
      .where('message_id', 'like', 'api:%')
      .where('name', '=', 'Product Viewed')
      .executeTakeFirstOrThrow();
    expect(props.properties).toEqual({ sku: 'JD-SKU-1' });
    const bulk = (
      await post('/events/bulk', {
        items: [
          { name: 'A', customerId: buyer.customer_id, occurredAt: '2026-11-22T13:00:00Z' },
          { name: 'B', customerId: 999999, occurredAt: '2026-11-22T13:00:00Z' },
        ],
      })
    ).json();
    expect(bulk.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false]);
  });
});
