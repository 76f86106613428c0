import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_EVENTS, type DomainEventType } from '../../../contracts/events.ts';
import { startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { createIntegration } from './integrations.service.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'test', ip: null };
const SECRET = 'shpss_0123456789abcdef0123456789abcdef';
const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64');

const shopifyOrder = (over: Record<string, unknown> = {}) => ({
  id: 820982911946154500,
  name: '#1001',
  email: 'Jon@Example.com',
  phone: '+8613611112222',
  created_at: '2026-11-11T00:05:00+08:00',
  processed_at: '2026-11-11T00:06:00+08:00',
  currency: 'CNY',
  total_price: '398.00',
  total_discounts: '20.00',
  financial_status: 'paid',
  fulfillment_status: null,
  cancelled_at: null,
  discount_codes: [{ code: 'DOUBLE11', amount: '20.00' }],
  customer: { id: 115310627314723950, email: 'jon@example.com', first_name: '强', last_name: '李' },
  shipping_address: { province: 'Guangdong', city: 'Shenzhen', address1: '科技园 1 号' },
  line_items: [{ id: 1, product_id: 7, variant_id: 70, sku: 'SKU-SH-1', title: '精华液', quantity: 2, price: '199.00' }],
  refunds: [],
  ...over,
});

describe('platform webhooks', () => {
  let patron: Patron;
  let shopify: number;
  let woo: number;
  let taobao: number;
  let douyin: number;
  let youzan: number;
  let marketSecret: string;

  beforeAll(async () => {
    patron = await startTestPatron();
    const db = patron.ctx.db;
    const k = patron.ctx.keyring;
    shopify = (await createIntegration(db, k, { provider: 'shopify', name: 'shop', secret: SECRET, actor: ACTOR })).integration.id;
    woo = (await createIntegration(db, k, { provider: 'woocommerce', name: 'woo', secret: SECRET, actor: ACTOR })).integration.id;
    const tb = await createIntegration(db, k, { provider: 'taobao', name: 'tmall', channel: 'tmall', actor: ACTOR });
    taobao = tb.integration.id;
    marketSecret = tb.secret;
    douyin = (await createIntegration(db, k, { provider: 'douyin', name: 'dy', secret: marketSecret, actor: ACTOR })).integration.id;
    youzan = (await createIntegration(db, k, { provider: 'youzan', name: 'yz', secret: marketSecret, actor: ACTOR })).integration.id;
  });
  afterAll(() => patron.close());

  const shop = (topic: string, payload: unknown, webhookId: string, secret = SECRET) => {
    const body = JSON.stringify(payload);
    return patron.http.inject({
      method: 'POST',
      url: `/webhooks/shopify/${shopify}`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': sign(secret, body),
        'x-shopify-webhook-id': webhookId,
      },
    });
  };
  const order = (externalId: string) =>
    patron.ctx.db.selectFrom('orders').selectAll().where('external_id', '=', externalId).executeTakeFirst();

  it('stores Shopify orders with the buyer, items and status; dedupes by webhook id; follows updates and refunds', async () => {
    const res = await shop('orders/create', shopifyOrder(), 'w-1');
    expect(res.json()).toEqual({ ok: true, duplicate: false });
    expect((await shop('orders/create', shopifyOrder(), 'w-1')).json()).toEqual({ ok: true, duplicate: true });
    const o = (await order('820982911946154500'))!;
    expect(o).toMatchObject({ status: 'paid', total_amount: 39800, discount_amount: 2000, coupon_codes: ['DOUBLE11'] });
    const items = await patron.ctx.db.selectFrom('order_items').selectAll().where('order_id', '=', o.id).execute();
    expect(items).toMatchObject([{ sku: 'SKU-SH-1', quantity: 2, unit_price: 19900 }]);
    const ids = await patron.ctx.db
      .selectFrom('customer_identities')
      .select(['kind', 'channel', 'key'])
      .where('customer_id', '=', o.customer_id)
      .execute();
    expect(ids.find((i) => i.kind === 'external')).toMatchObject({ channel: 'shopify', key: '115310627314723950' });
    // The receiver's address is kept as one of the buyer's addresses, encrypted, and the order ships to it.
    const addresses = await patron.ctx.db.selectFrom('customer_addresses').selectAll().where('customer_id', '=', o.customer_id).execute();
    expect(addresses).toHaveLength(1);
    expect(o.shipping_address_id).toBe(addresses[0].id);
    expect(addresses[0].line_enc).not.toContain('科技园');
    await shop('orders/updated', shopifyOrder({ fulfillment_status: 'fulfilled' }), 'w-2');
    expect(
      await patron.ctx.db.selectFrom('customer_addresses').select('id').where('customer_id', '=', o.customer_id).execute(),
    ).toHaveLength(1);
    expect((await order('820982911946154500'))!.status).toBe('shipped');
    await shop('refunds/create', { id: 9, order_id: 820982911946154500, transactions: [{ kind: 'refund', amount: '199.00' }] }, 'w-3');
    expect(await order('820982911946154500')).toMatchObject({ status: 'partially_refunded', refunded_amount: 19900 });
    // The same refund delivered again under another webhook id (a re-sent event) is recognised by its refund id.
    await shop(
      'refunds/create',
      { id: 9, order_id: 820982911946154500, note: '尺码不合适', transactions: [{ kind: 'refund', amount: '199.00' }] },
      'w-3b',
    );
    expect(await order('820982911946154500')).toMatchObject({ refunded_amount: 19900 });
    const refunds = await patron.ctx.db
      .selectFrom('refunds')
      .select(['external_id', 'amount', 'currency', 'source'])
      .where('order_id', '=', o.id)
      .execute();
    expect(refunds).toEqual([{ external_id: '9', amount: 19900, currency: o.currency, source: expect.stringMatching(/^shopify:/) }]);
    await shop('orders/cancelled', shopifyOrder({ cancelled_at: '2026-11-12T10:00:00+08:00', financial_status: 'refunded' }), 'w-4');
    expect((await order('820982911946154500'))!.status).toBe('cancelled');
    // Every step of the order's life is a domain event, once each (the re-sent refund adds none).
    const events = await patron.ctx.db
      .selectFrom('domain_events')
      .select(['type', 'payload'])
      .where('key', 'like', `order.%:${o.id}%`)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.paid', 'order.shipped', 'order.refunded', 'order.cancelled']);
    expect(events[0].payload).toEqual({
      orderId: o.id,
      status: 'paid',
      totalAmount: 39800,
      refundedAmount: 0,
      currency: 'CNY',
      importId: null,
    });
    // What the triggers write is what the contract says subscribers receive.
    for (const e of events) expect(DOMAIN_EVENTS[e.type as DomainEventType].safeParse(e.payload).success).toBe(true);
  });

  it('rejects a wrong or missing Shopify signature with 401 and stores nothing', async () => {
    const bad = await shop('orders/create', shopifyOrder({ id: 1 }), 'w-9', 'wrong-secret-wrong-secret');
    expect([bad.statusCode, bad.json().error.code]).toEqual([401, 'WEBHOOK_SIGNATURE_INVALID']);
    const missing = await patron.http.inject({
      method: 'POST',
      url: `/webhooks/shopify/${shopify}`,
      payload: '{}',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create' },
    });
    expect(missing.statusCode).toBe(401);
    expect(await order('1')).toBeUndefined();
    expect((await patron.http.inject({ method: 'POST', url: '/webhooks/shopify/99999', payload: '{}' })).statusCode).toBe(404);
    // The integrations page shows the store's deliveries and its refusals with their reason.
    const { listIntegrations } = await import('./integrations.service.ts');
    const health = (await listIntegrations(patron.ctx.db)).find((i) => i.id === shopify)!.health;
    expect(health).toMatchObject({
      lastDeliveryAt: expect.any(String),
      failures: 2,
      lastFailure: '401 WEBHOOK_SIGNATURE_INVALID',
      lastFailureAt: expect.any(String),
    });
    expect(health.deliveries).toBeGreaterThan(0);
  });

  it('merges a Shopify customer into the person already known by e-mail, and records privacy requests', async () => {
    await shop(
      'customers/update',
      { id: 115310627314723950, email: 'jon@example.com', phone: '+8613611112222', first_name: '强', last_name: '李' },
      'w-5',
    );
    const people = await patron.ctx.db.selectFrom('customer_identities').select('customer_id').where('channel', '=', 'shopify').execute();
    expect(new Set(people.map((p) => p.customer_id)).size).toBe(1);
    await shop('customers/data_request', { shop_id: 1, customer: { id: 115310627314723950 } }, 'w-6');
    await shop('customers/redact', { shop_id: 1, customer: { id: 115310627314723950 } }, 'w-7');
    const audit = await patron.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'privacy.%').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['privacy.shopify_customers_data_request', 'privacy.erase']);
    const erased = await patron.ctx.db
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', people[0].customer_id)
      .executeTakeFirstOrThrow();
    expect(erased).toMatchObject({ name: null, email_enc: null, phone_enc: null });
    expect(erased.erased_at).not.toBeNull();
    expect(await patron.ctx.db.selectFrom('orders').select('id').where('customer_id', '=', erased.id).execute()).toHaveLength(1); // statistics kept
    // A later order from the same Shopify customer does not bring the person back.
    const later = await shop('orders/create', shopifyOrder({ id: 5550001 }), 'w-8');
    expect(later.json()).toEqual({ ok: true, skipped: 'IDENTITY_ERASED' });
    expect(await order('5550001')).toBeUndefined();
  });

  it('keeps the catalogue from Shopify product webhooks: each variant by SKU with price and stock; a drop and a restock recorded', async () => {
    const product = (price: string, stock: number) => ({
      id: 632910392,
      title: 'IPod Nano - 8GB',
      product_type: 'Cult Products',
      variants: [
        { id: 808950810, title: 'Pink', sku: 'IPOD2008PINK', price, inventory_management: 'shopify', inventory_quantity: stock },
        { id: 808950811, title: 'Default Title', sku: '', price: '5.00', inventory_management: null, inventory_quantity: 3 },
      ],
    });
    expect((await shop('products/create', product('199.00', 0), 'p-1')).json()).toEqual({ ok: true, duplicate: false });
    expect((await shop('products/update', product('149.00', 12), 'p-2')).statusCode).toBe(200);
    const rows = await patron.ctx.db
      .selectFrom('products')
      .select(['sku', 'name', 'category', 'price_amount', 'stock', 'external_id'])
      .where('external_id', '=', '632910392')
      .orderBy('sku')
      .execute();
    expect(rows).toEqual([
      {
        sku: 'IPOD2008PINK',
        name: 'IPod Nano - 8GB - Pink',
        category: 'Cult Products',
        price_amount: 14_900,
        stock: 12,
        external_id: '632910392',
      },
      // No SKU: named as the order lines name it; Shopify does not track its stock, so Patron does not know it.
      {
        sku: 'shopify-variant-808950811',
        name: 'IPod Nano - 8GB',
        category: 'Cult Products',
        price_amount: 500,
        stock: null,
        external_id: '632910392',
      },
    ]);
    const changes = await patron.ctx.db
      .selectFrom('product_changes as c')
      .innerJoin('products as p', 'p.id', 'c.product_id')
      .select(['p.sku', 'c.kind', 'c.from_value', 'c.to_value'])
      .orderBy('c.id')
      .execute();
    expect(changes).toEqual([
      { sku: 'IPOD2008PINK', kind: 'price_dropped', from_value: 19_900, to_value: 14_900 },
      { sku: 'IPOD2008PINK', kind: 'back_in_stock', from_value: 0, to_value: 12 },
    ]);
  });

  it('answers the unsigned WooCommerce activation ping and verifies signed order webhooks (guest buyers by e-mail)', async () => {
    const ping = await patron.http.inject({
      method: 'POST',
      url: `/webhooks/woocommerce/${woo}`,
      payload: 'webhook_id=12',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(ping.statusCode).toBe(200);
    const body = JSON.stringify({
      id: 727,
      status: 'processing',
      currency: 'CNY',
      total: '88.50',
      discount_total: '0.00',
      shipping_total: '10.00',
      customer_id: 0,
      date_created_gmt: '2026-11-20T02:00:00',
      date_paid_gmt: '2026-11-20T02:01:00',
      billing: { first_name: '梅', last_name: '韩', email: 'guest@wc.cn', phone: '13900001111', state: '四川省', city: '成都市' },
      line_items: [
        {
          id: 1,
          name: '香薰蜡烛',
          product_id: 5,
          variation_id: 0,
          quantity: 1,
          subtotal: '78.50',
          total: '78.50',
          sku: 'WC-1',
          price: 78.5,
        },
      ],
    });
    const headers = { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-delivery-id': 'd-1' };
    const unsigned = await patron.http.inject({ method: 'POST', url: `/webhooks/woocommerce/${woo}`, payload: body, headers });
    expect(unsigned.statusCode).toBe(401);
    const ok = await patron.http.inject({
      method: 'POST',
      url: `/webhooks/woocommerce/${woo}`,
      payload: body,
      headers: { ...headers, 'x-wc-webhook-signature': sign(SECRET, body) },
    });
    expect(ok.json()).toEqual({ ok: true, duplicate: false });
    const o = (await order('727'))!;
    expect(o).toMatchObject({ status: 'paid', total_amount: 8850, shipping_amount: 1000 });
    const c = await patron.ctx.db.selectFrom('customers').selectAll().where('id', '=', o.customer_id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ name: '韩 梅', province: '四川省', city: '成都市' });
  });

  it('keeps WooCommerce products: a sale price is a drop; a shop that does not count stock restocks by its stock status', async () => {
    const product = (delivery: string, fields: Record<string, unknown>) => {
      const body = JSON.stringify({
        id: 5,
        name: '香薰蜡烛',
        sku: 'WC-1',
        regular_price: '78.50',
        categories: [{ id: 9, name: '家居' }],
        manage_stock: false,
        stock_quantity: null,
        ...fields,
      });
      return patron.http.inject({
        method: 'POST',
        url: `/webhooks/woocommerce/${woo}`,
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-wc-webhook-topic': 'product.updated',
          'x-wc-webhook-delivery-id': delivery,
          'x-wc-webhook-signature': sign(SECRET, body),
        },
      });
    };
    const wc1 = () =>
      patron.ctx.db
        .selectFrom('products')
        .select(['id', 'name', 'category', 'price_amount', 'stock', 'external_id'])
        .where('sku', '=', 'WC-1')
        .executeTakeFirstOrThrow();
    expect((await product('pd-1', { price: '78.50', stock_status: 'outofstock' })).statusCode).toBe(200);
    expect(await wc1()).toMatchObject({ name: '香薰蜡烛', category: '家居', price_amount: 7850, stock: 0, external_id: '5' });
    await product('pd-2', { price: '59.00', sale_price: '59.00', stock_status: 'instock' });
    // In stock, quantity not counted: stored as unknown (null), and the restock recorded as "some".
    expect(await wc1()).toMatchObject({ price_amount: 5900, stock: null });
    const { id } = await wc1();
    const changes = await patron.ctx.db
      .selectFrom('product_changes')
      .select(['kind', 'from_value', 'to_value'])
      .where('product_id', '=', id)
      .orderBy('id')
      .execute();
    expect(changes).toEqual([
      { kind: 'price_dropped', from_value: 7850, to_value: 5900 },
      { kind: 'back_in_stock', from_value: 0, to_value: 1 },
    ]);
    // Counted stock from then on.
    await product('pd-3', { price: '59.00', manage_stock: true, stock_quantity: 7, stock_status: 'instock' });
    expect(await wc1()).toMatchObject({ stock: 7 });
    // No price yet (a draft): stored as the platform says, but no 100% drop.
    await product('pd-4', { price: '', regular_price: '', manage_stock: true, stock_quantity: 7 });
    expect(await wc1()).toMatchObject({ price_amount: 0 });
    expect(await patron.ctx.db.selectFrom('product_changes').select('id').where('product_id', '=', id).execute()).toHaveLength(2);
  });

  const market = (id: number, order: unknown) => {
    const body = JSON.stringify({ order });
    return patron.http.inject({
      method: 'POST',
      url: `/webhooks/orders/${id}`,
      payload: body,
      headers: { 'content-type': 'application/json', 'x-patron-signature': `sha256=${sign(marketSecret, body)}` },
    });
  };

  it('maps Taobao/Tmall trades onto the lifecycle, with sub-order refunds and masked receivers left alone', async () => {
    const trade = {
      tid: '3456789012345',
      status: 'WAIT_SELLER_SEND_GOODS',
      payment: '259.00',
      total_fee: '279.00',
      post_fee: '0.00',
      discount_fee: '20.00',
      created: '2026-11-11 00:00:05',
      pay_time: '2026-11-11 00:00:30',
      ouid: 'AAHk5d-ouid',
      buyer_open_uid: 'AAEx-open',
      receiver_state: '浙江省',
      receiver_city: '杭州市',
      receiver_district: '西湖区',
      receiver_mobile: '*******5678',
      receiver_name: '**',
      orders: [
        {
          oid: '1',
          num_iid: 11,
          outer_sku_id: 'TM-1',
          title: '面霜',
          price: '159.00',
          num: 1,
          payment: '159.00',
          refund_status: 'NO_REFUND',
        },
        {
          oid: '2',
          num_iid: 12,
          outer_sku_id: 'TM-2',
          title: '面膜',
          price: '100.00',
          num: 1,
          payment: '100.00',
          refund_status: 'NO_REFUND',
        },
      ],
    };
    expect((await market(taobao, trade)).json()).toMatchObject({ ok: true });
    let o = (await order('3456789012345'))!;
    expect(o).toMatchObject({ status: 'paid', total_amount: 25900, discount_amount: 2000 });
    expect(o.placed_at.toISOString()).toBe('2026-11-10T16:00:05.000Z');
    await market(taobao, {
      ...trade,
      status: 'WAIT_BUYER_CONFIRM_GOODS',
      consign_time: '2026-11-12 09:00:00',
      orders: [trade.orders[0], { ...trade.orders[1], refund_status: 'SUCCESS' }],
    });
    o = (await order('3456789012345'))!;
    expect(o).toMatchObject({ status: 'partially_refunded', refunded_amount: 10000 });
    await market(taobao, { ...trade, tid: '999', status: 'TRADE_CLOSED_BY_TAOBAO', pay_time: undefined });
    expect((await order('999'))!.status).toBe('cancelled');
    const phones = await patron.ctx.db.selectFrom('customer_identities').select('kind').where('customer_id', '=', o.customer_id).execute();
    expect(phones.map((p) => p.kind)).toEqual(['external', 'external']); // ouid + buyer_open_uid; the masked mobile is no identity
    const c = await patron.ctx.db.selectFrom('customers').selectAll().where('id', '=', o.customer_id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ province: '浙江省', city: '杭州市', district: '西湖区', phone_enc: null });
  });

  it('maps Douyin (fen, Unix seconds, numeric status) and Youzan orders', async () => {
    await market(douyin, {
      order_id: '6912345678901234567',
      order_status: 3,
      pay_amount: 12900,
      post_amount: 0,
      create_time: 1763800000,
      pay_time: 1763800060,
      doudian_open_id: 'dy-open-1',
      mask_post_tel: '1********35',
      encrypt_post_tel: '#abc#',
      sku_order_list: [{ sku_id: 5, out_sku_id: 'DY-1', product_name: '口红', item_num: 1, origin_amount: 12900 }],
    });
    expect(await order('6912345678901234567')).toMatchObject({ status: 'shipped', total_amount: 12900 });
    await market(youzan, {
      full_order_info: {
        order_info: {
          tid: 'E2026112200001',
          status: 'TRADE_SUCCESS',
          created: '2026-11-01 10:00:00',
          pay_time: '2026-11-01 10:01:00',
          success_time: '2026-11-08 10:00:00',
        },
        buyer_info: { yz_open_id: 'yz-1' },
        pay_info: { payment: '66.60' },
        orders: [{ title: '花草茶', num: 2, price: '33.30', outer_sku_id: 'YZ-1' }],
      },
    });
    expect(await order('E2026112200001')).toMatchObject({ status: 'completed', total_amount: 6660 });
    const noBuyer = await market(douyin, { order_id: '1', order_status: 1 });
    expect([noBuyer.statusCode, noBuyer.json().error.code]).toEqual([400, 'WEBHOOK_PAYLOAD_INVALID']);
  });

  it('stores a Shopify order whose text holds U+0000 (which PostgreSQL cannot) with the replacement character', async () => {
    const res = await shop(
      'orders/create',
      shopifyOrder({
        id: 77,
        email: 'nul@example.com',
        phone: null,
        customer: { id: 77, email: 'nul@example.com' },
        line_items: [{ id: 2, sku: 'SKU-NUL', title: 'Odd\u0000item', quantity: 1, price: '9.00' }],
      }),
      'w-nul',
    );
    expect(res.json()).toEqual({ ok: true, duplicate: false });
    const o = (await order('77'))!;
    expect((await patron.ctx.db.selectFrom('order_items').select('name').where('order_id', '=', o.id).executeTakeFirstOrThrow()).name).toBe(
      'Odd\uFFFDitem',
    );
  });
});
