import { gzipSync } from 'node:zlib';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { encryptField } from '../../platform/crypto.ts';
import { drainInbox } from './inbox.ts';
import { authenticateWriteKey, createSource, revokeSource } from './sources.service.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'test', ip: null };

describe('Segment-compatible tracking API', () => {
  let patron: Patron;
  let base: string;
  let writeKey: string;
  const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
  /** Stores what the inbox holds, as the tracking-inbox poller does. */
  const drain = async () => {
    while ((await drainInbox(patron.ctx)) > 0);
  };
  /** A POST answered, without storing its batch. */
  const send = (path: string, body: unknown, headers: Record<string, string> = basic(writeKey)) =>
    patron.http.inject({
      method: 'POST',
      url: `/v1/${path}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** A POST answered, and its batch stored. */
  const post = async (path: string, body: unknown, headers: Record<string, string> = basic(writeKey)) => {
    const res = await send(path, body, headers);
    await drain();
    return res;
  };
  const customerByUser = async (userId: string) =>
    (
      await patron.ctx.db
        .selectFrom('customer_identities')
        .select('customer_id')
        .where('kind', '=', 'external')
        .where('channel', '=', 'user_id')
        .where('key', '=', userId)
        .executeTakeFirst()
    )?.customer_id;

  beforeAll(async () => {
    patron = await startTestPatron();
    base = await patron.http.listen({ port: 0, host: '127.0.0.1' });
    writeKey = (await createSource(patron.ctx.db, { name: 'web', channel: 'web', actor: ACTOR })).writeKey;
  });
  afterAll(() => patron.close());

  it('takes identify and e-commerce events from the real @segment/analytics-node SDK', async () => {
    const analytics = new SegmentAnalytics({ writeKey, host: base, flushAt: 10, maxRetries: 1 });
    analytics.identify({
      userId: 'seg-1',
      traits: {
        email: 'Seg.One@Example.com',
        phone: '13800138000',
        name: '张三',
        gender: 'male',
        birthday: '1988-08-08',
        address: { state: '浙江省', city: '杭州市', street: '文三路 90 号' },
      },
    });
    analytics.track({
      userId: 'seg-1',
      event: 'Product Viewed',
      properties: { sku: 'SKU-T1', name: '保温杯', price: 89.9, category: '家居' },
    });
    analytics.track({
      userId: 'seg-1',
      event: 'Order Completed',
      properties: {
        order_id: 'W-1001',
        total: 199.8,
        currency: 'CNY',
        products: [{ sku: 'SKU-T1', name: '保温杯', price: 99.9, quantity: 2 }],
      },
    });
    await analytics.closeAndFlush({ timeout: 10_000 });
    await drain();
    const id = await customerByUser('seg-1');
    expect(id).toBeDefined();
    const customer = await patron.ctx.db.selectFrom('customers').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(customer).toMatchObject({ name: '张三', gender: 'male', birthday: '1988-08-08', province: '浙江省', city: '杭州市' });
    const kinds = await patron.ctx.db.selectFrom('customer_identities').select('kind').where('customer_id', '=', id!).execute();
    expect(kinds.map((k) => k.kind).sort()).toEqual(['email', 'external', 'phone']);
    const order = await patron.ctx.db.selectFrom('orders').selectAll().where('external_id', '=', 'W-1001').executeTakeFirstOrThrow();
    expect(order).toMatchObject({ customer_id: id, status: 'paid', total_amount: 19980, currency: 'CNY' });
    const items = await patron.ctx.db.selectFrom('order_items').selectAll().where('order_id', '=', order.id).execute();
    expect(items).toMatchObject([{ sku: 'SKU-T1', quantity: 2, unit_price: 9990, amount: 19980 }]);
    const product = await patron.ctx.db.selectFrom('products').selectAll().where('sku', '=', 'SKU-T1').executeTakeFirstOrThrow();
    expect(product.name).toBe('保温杯');
    const events = await patron.ctx.db.selectFrom('events').select(['name', 'type']).where('customer_id', '=', id!).execute();
    expect(events.map((e) => e.name).sort()).toEqual(['Order Completed', 'Product Viewed', 'identify']);
  });

  it('takes gzip batches from the real @rudderstack/rudder-sdk-node SDK (Basic auth, originalTimestamp)', async () => {
    const client = new RudderAnalytics(writeKey, {
      dataPlaneUrl: base,
      flushAt: 20,
      flushInterval: 60_000,
      retryCount: 0,
      logLevel: 'error',
    });
    client.identify({ userId: 'rs-1', traits: { email: 'rudder@example.com', firstName: '芳', lastName: '王' } });
    client.track({ userId: 'rs-1', event: 'Cart Viewed', properties: { cart_id: 'c1' } });
    client.page({ userId: 'rs-1', name: 'Home', properties: { path: '/' } });
    await client.flush();
    await drain();
    const id = await customerByUser('rs-1');
    expect(id).toBeDefined();
    const c = await patron.ctx.db.selectFrom('customers').select('name').where('id', '=', id!).executeTakeFirstOrThrow();
    expect(c.name).toBe('王芳');
    const events = await patron.ctx.db
      .selectFrom('events')
      .select(['name', 'type', 'occurred_at', 'received_at'])
      .where('customer_id', '=', id!)
      .execute();
    expect(events.map((e) => `${e.type}:${e.name}`).sort()).toEqual(['identify:identify', 'page:Home', 'track:Cart Viewed']);
    for (const e of events) expect(Math.abs(e.occurred_at.getTime() - e.received_at.getTime())).toBeLessThan(60_000);
  });

  it('accepts the write key in the body, merges batch context, corrects clock skew, and dedupes by messageId', async () => {
    const receivedBefore = Date.now();
    const body = {
      writeKey,
      sentAt: '2020-01-01T00:00:10.000Z',
      context: { library: { name: 'curl' } },
      batch: [
        {
          type: 'track',
          userId: 'skew-1',
          event: 'Coupon Applied',
          messageId: 'm-1',
          timestamp: '2020-01-01T00:00:00.000Z',
          properties: { coupon: 'X' },
        },
      ],
    };
    const first = await post('batch', body, {});
    expect(first.json()).toMatchObject({ success: true, accepted: 1, duplicates: 0 });
    // A retry is answered as the first was; the message is stored once.
    const again = await post('import', body, {});
    expect(again.json()).toMatchObject({ success: true, accepted: 1, duplicates: 0 });
    const [e, ...more] = await patron.ctx.db.selectFrom('events').selectAll().where('message_id', 'like', '%:m-1').execute();
    expect(more).toEqual([]);
    const skew = e.received_at.getTime() - e.occurred_at.getTime();
    expect(skew).toBe(10_000); // occurred = receivedAt − (sentAt − timestamp)
    expect(e.received_at.getTime()).toBeGreaterThanOrEqual(receivedBefore - 1000);
  });

  it('stores events holding U+0000 (which PostgreSQL cannot) with the replacement character instead', async () => {
    const res = await post('track', {
      userId: 'nul-1',
      event: 'Odd\u0000Name',
      messageId: 'nul-msg',
      properties: { 'k\u0000': ['v\u0000'] },
    });
    expect([res.statusCode, res.json().accepted]).toEqual([200, 1]);
    const stored = await patron.ctx.db
      .selectFrom('events')
      .select(['name', 'properties'])
      .where('message_id', 'like', '%:nul-msg')
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ name: 'Odd\uFFFDName', properties: { 'k\uFFFD': ['v\uFFFD'] } });
  });

  it('stitches anonymous events to the person on identify, and on alias', async () => {
    await post('track', { anonymousId: 'anon-9', event: 'Product Viewed', properties: { sku: 'A' } });
    await post('page', { anonymousId: 'anon-9', name: 'Landing' });
    const before = await patron.ctx.db.selectFrom('events').select('customer_id').where('anonymous_id', '=', 'anon-9').execute();
    expect(before.every((e) => e.customer_id === null)).toBe(true);
    await post('identify', { userId: 'known-9', anonymousId: 'anon-9', traits: { email: 'known9@x.cn' } });
    const id = await customerByUser('known-9');
    const after = await patron.ctx.db.selectFrom('events').select('customer_id').where('anonymous_id', '=', 'anon-9').execute();
    expect(after.map((e) => e.customer_id)).toEqual([id, id, id]);
    await post('track', { anonymousId: 'anon-10', event: 'Checkout Started' });
    await post('alias', { previousId: 'anon-10', userId: 'known-9' });
    const aliased = await patron.ctx.db.selectFrom('events').select('customer_id').where('anonymous_id', '=', 'anon-10').execute();
    expect(aliased.map((e) => e.customer_id)).toEqual([id]);
  });

  it('resolves a batch in order: an identify stitches the anonymous events around it, repeats count once', async () => {
    const res = await post('batch', {
      batch: [
        { type: 'track', anonymousId: 'anon-b', event: 'Product Viewed', messageId: 'b-1' },
        { type: 'identify', userId: 'batch-1', anonymousId: 'anon-b', traits: { email: 'batch1@x.cn' }, messageId: 'b-2' },
        { type: 'track', anonymousId: 'anon-b', event: 'Cart Viewed', messageId: 'b-3' },
        { type: 'track', userId: 'batch-1', event: 'Checkout Started', messageId: 'b-4' },
        { type: 'track', userId: 'batch-1', event: 'Checkout Started', messageId: 'b-4' },
      ],
    });
    expect(res.json()).toMatchObject({ accepted: 4, duplicates: 1, rejected: [] });
    const id = await customerByUser('batch-1');
    const events = await patron.ctx.db
      .selectFrom('events')
      .select(['name', 'customer_id'])
      .where('message_id', 'like', '%:b-_')
      .orderBy('message_id')
      .execute();
    expect(events).toEqual([
      { name: 'Product Viewed', customer_id: id },
      { name: 'identify', customer_id: id },
      { name: 'Cart Viewed', customer_id: id },
      { name: 'Checkout Started', customer_id: id },
    ]);
    // Later anonymous events of a stitched visitor belong to the person too.
    await post('track', { anonymousId: 'anon-b', event: 'Product Viewed', messageId: 'b-5' });
    const later = await patron.ctx.db
      .selectFrom('events')
      .select('customer_id')
      .where('message_id', 'like', '%:b-5')
      .executeTakeFirstOrThrow();
    expect(later.customer_id).toBe(id);
  });

  it('applies refunds and cancellations to orders', async () => {
    await post('track', { userId: 'buyer-2', event: 'Order Completed', properties: { order_id: 'W-2', total: 100, currency: 'CNY' } });
    await post('track', { userId: 'buyer-2', event: 'Order Refunded', properties: { order_id: 'W-2', total: 30 } });
    let o = await patron.ctx.db.selectFrom('orders').selectAll().where('external_id', '=', 'W-2').executeTakeFirstOrThrow();
    expect([o.status, o.refunded_amount]).toEqual(['partially_refunded', 3000]);
    await post('track', { userId: 'buyer-2', event: 'Order Refunded', properties: { order_id: 'W-2' } });
    o = await patron.ctx.db.selectFrom('orders').selectAll().where('external_id', '=', 'W-2').executeTakeFirstOrThrow();
    expect([o.status, o.refunded_amount]).toEqual(['refunded', 10000]);
    const refunds = await patron.ctx.db
      .selectFrom('refunds')
      .select(['amount', 'customer_id'])
      .where('order_id', '=', o.id)
      .orderBy('id')
      .execute();
    expect(refunds.map((r) => r.amount)).toEqual([3000, 7000]);
    expect(refunds.every((r) => r.customer_id === o.customer_id)).toBe(true);
    await post('track', { userId: 'buyer-2', event: 'Order Completed', properties: { order_id: 'W-3', total: 50 } });
    await post('track', { userId: 'buyer-2', event: 'Order Cancelled', properties: { order_id: 'W-3' } });
    o = await patron.ctx.db.selectFrom('orders').selectAll().where('external_id', '=', 'W-3').executeTakeFirstOrThrow();
    expect(o.status).toBe('cancelled');
  });

  it('answers bad input with 4xx and a code, and keeps the good messages of a batch', async () => {
    expect((await post('track', { userId: 'x', event: 'E' }, basic('pws_wrong'))).statusCode).toBe(401);
    expect((await post('track', { userId: 'x', event: 'E' }, {})).json().error.code).toBe('WRITE_KEY_INVALID');
    const bad = await post('track', '{"userId": ');
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'MALFORMED_JSON']);
    const badPlain = await post('track', '{"userId": ', { ...basic(writeKey), 'content-type': 'text/plain' });
    expect([badPlain.statusCode, badPlain.json().error.code]).toEqual([400, 'MALFORMED_JSON']);
    const notGzip = await post('batch', 'not gzip at all', { ...basic(writeKey), 'content-encoding': 'gzip' });
    expect(notGzip.statusCode).toBe(400);
    const big = await post('track', { userId: 'x', event: 'E', properties: { blob: 'x'.repeat(40_000) } });
    expect([big.statusCode, big.json().error.code]).toEqual([400, 'PAYLOAD_TOO_LARGE']);
    const oneLarge = await post('batch', {
      batch: [
        { type: 'track', userId: 'u', event: 'Small' },
        { type: 'track', userId: 'u', event: 'E', properties: { blob: 'x'.repeat(40_000) } },
      ],
    });
    expect([oneLarge.statusCode, oneLarge.json().error]).toEqual([
      400,
      expect.objectContaining({ code: 'EVENT_TOO_LARGE', details: { index: 1 } }),
    ]);
    const many = await post('batch', { batch: Array.from({ length: 2501 }, () => ({ type: 'track', userId: 'u', event: 'E' })) });
    expect([many.statusCode, many.json().error.code]).toEqual([400, 'BATCH_TOO_LARGE']);
    const mixed = await post('batch', {
      batch: [
        { type: 'track', event: 'No identity' },
        { type: 'track', userId: 'ok-1', event: 'Fine' },
        { type: 'nope', userId: 'u' },
      ],
    });
    expect(mixed.statusCode).toBe(200);
    expect(mixed.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0 }, { index: 2 }] });
    expect(mixed.json().rejected[0].reason).toContain('userId or anonymousId is required');
  });

  it('refuses a revoked write key: at once when revoked here, within five seconds when revoked by another process', async () => {
    const { source, writeKey: key } = await createSource(patron.ctx.db, { name: 'pos', channel: 'pos', actor: ACTOR });
    const event = { userId: 'rev-1', event: 'Store Visited', messageId: 'rev-m1' };
    expect((await post('track', event, basic(key))).statusCode).toBe(200);
    await revokeSource(patron.ctx.db, { id: source.id, actor: ACTOR, now: new Date() });
    const refused = await post('track', { ...event, messageId: 'rev-m2' }, basic(key));
    expect([refused.statusCode, refused.json().error.code]).toEqual([401, 'WRITE_KEY_INVALID']);
    // Revoked straight in the database (another server process): the key read at t holds until t + 5 s.
    const other = await createSource(patron.ctx.db, { name: 'kiosk', channel: 'pos', actor: ACTOR });
    const t = new Date();
    expect(await authenticateWriteKey(patron.ctx.db, other.writeKey, t)).not.toBeNull();
    await patron.ctx.db.updateTable('sources').set({ revoked_at: t }).where('id', '=', other.source.id).execute();
    expect(await authenticateWriteKey(patron.ctx.db, other.writeKey, new Date(t.getTime() + 4_000))).not.toBeNull();
    expect(await authenticateWriteKey(patron.ctx.db, other.writeKey, new Date(t.getTime() + 5_000))).toBeNull();
  });

  it('decompresses gzip bodies and limits the decompressed size', async () => {
    const payload = gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'gz-1', event: 'Gzipped' }] }));
    const res = await patron.http.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { ...basic(writeKey), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload,
    });
    expect(res.json()).toMatchObject({ success: true, accepted: 1 });
    await drain();
    expect(await patron.ctx.db.selectFrom('events').select('name').where('name', '=', 'Gzipped').execute()).toHaveLength(1);
    const bomb = gzipSync(
      JSON.stringify({ batch: [{ type: 'track', userId: 'gz', event: 'x', properties: { pad: 'a'.repeat(600_000) } }] }),
    );
    const tooBig = await patron.http.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { ...basic(writeKey), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: bomb,
    });
    expect([tooBig.statusCode, tooBig.json().error.code]).toEqual([400, 'PAYLOAD_TOO_LARGE']);
  });
  it('answers once a batch is in the inbox, encrypted, and stores it later, several batches of several sources a pass', async () => {
    const pos = await createSource(patron.ctx.db, { name: 'till', channel: 'pos', actor: ACTOR });
    const first = await send('identify', { userId: 'inbox-1', anonymousId: 'anon-inbox', traits: { email: 'inbox.one@example.com' } });
    const second = await send('track', { anonymousId: 'anon-inbox', event: 'Product Viewed', messageId: 'inbox-m1' }, basic(pos.writeKey));
    const third = await send('track', { userId: 'inbox-1', event: 'Cart Viewed', messageId: 'inbox-m2' });
    expect([first, second, third].map((r) => [r.statusCode, r.json().accepted])).toEqual([
      [200, 1],
      [200, 1],
      [200, 1],
    ]);
    const waiting = await patron.ctx.db.selectFrom('tracking_inbox').selectAll().orderBy('id').execute();
    expect(waiting.map((w) => w.message_count)).toEqual([1, 1, 1]);
    expect(waiting.some((w) => w.messages_enc.includes('inbox.one'))).toBe(false);
    expect(await customerByUser('inbox-1')).toBeUndefined();
    expect(await drainInbox(patron.ctx)).toBe(3);
    expect(await patron.ctx.db.selectFrom('tracking_inbox').selectAll().execute()).toEqual([]);
    const id = await customerByUser('inbox-1');
    const events = await patron.ctx.db
      .selectFrom('events')
      .select(['name', 'customer_id', 'source_id'])
      .where('message_id', 'like', '%:inbox-m_')
      .orderBy('name')
      .execute();
    // The anonymous view, received after the identify by another source, is the person's.
    expect(events).toEqual([
      { name: 'Cart Viewed', customer_id: id, source_id: expect.any(Number) },
      { name: 'Product Viewed', customer_id: id, source_id: pos.source.id },
    ]);
  });

  it('stores a batch kept as JSON text, as batches were before they were deflated', async () => {
    const { source } = await createSource(patron.ctx.db, { name: 'before-deflate', actor: ACTOR });
    const at = new Date().toISOString();
    const staged = [{ m: { type: 'track', userId: 'plain-1', event: 'Plain Kept' }, at, messageId: `${source.id}:plain-m1` }];
    await patron.ctx.db
      .insertInto('tracking_inbox')
      .values({
        source_id: source.id,
        received_at: new Date(),
        messages_enc: encryptField(patron.ctx.keyring, JSON.stringify(staged)),
        message_count: 1,
      })
      .execute();
    expect(await drainInbox(patron.ctx)).toBe(1);
    const stored = await patron.ctx.db
      .selectFrom('events')
      .select(['name', 'customer_id'])
      .where('message_id', '=', `${source.id}:plain-m1`)
      .execute();
    expect(stored).toEqual([{ name: 'Plain Kept', customer_id: await customerByUser('plain-1') }]);
  });

  it('keeps a batch that fails to store, with its error, to try again later, and stores the others', async () => {
    await send('track', { userId: 'fail-1', event: 'Before', messageId: 'fail-m1' });
    await send('track', { userId: 'fail-1', event: 'Broken', messageId: 'fail-m2' });
    await send('track', { userId: 'fail-1', event: 'After', messageId: 'fail-m3' });
    const [, broken] = await patron.ctx.db.selectFrom('tracking_inbox').select('id').orderBy('id').execute();
    // A batch that cannot be read (as one written under a key since lost would be).
    await patron.ctx.db.updateTable('tracking_inbox').set({ messages_enc: 'v1:not-a-ciphertext' }).where('id', '=', broken.id).execute();
    await drain();
    const stored = await patron.ctx.db
      .selectFrom('events')
      .select('name')
      .where('message_id', 'like', '%:fail-m_')
      .orderBy('message_id')
      .execute();
    expect(stored.map((e) => e.name)).toEqual(['Before', 'After']);
    const kept = await patron.ctx.db.selectFrom('tracking_inbox').selectAll().executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ id: broken.id, attempts: 1, error: expect.any(String) });
    expect(kept.retry_at!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    const metrics = await patron.http.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('patron_tracking_inbox_batches{state="failing"} 1');
    await patron.ctx.db.deleteFrom('tracking_inbox').where('id', '=', broken.id).execute();
  });
});
