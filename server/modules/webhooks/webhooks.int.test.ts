import { createHmac } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { dispatchEvents, emitWhenWanted } from '../../events/index.ts';
import { patronComposition } from '../../modules.ts';
import { deliverWebhooks } from './deliver.ts';

type Received = { headers: IncomingHttpHeaders; body: string };

/** A receiver as a shop's ERP would run it: it records what came and answers with the status it is told to. */
function startReceiver() {
  const received: Received[] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(state.status, { 'content-type': 'application/json' }).end(JSON.stringify({ received: state.status < 300 }));
    });
  });
  return new Promise<{ url: string; received: Received[]; state: typeof state; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/patron`,
        received,
        state,
        close: () => server.close(),
      }),
    ),
  );
}

/** The check the docs give receivers: every v1 signature over `<t>.<body>`; one matching the secret is enough. */
function verifies(secret: string, r: Received): boolean {
  const parts = String(r.headers['x-patron-signature']).split(',');
  const t = parts.find((p) => p.startsWith('t='))?.slice(2);
  const expected = createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex');
  return t === r.headers['x-patron-timestamp'] && parts.some((p) => p === `v1=${expected}`);
}

describe('outbound webhooks', () => {
  let patron: Patron;
  let owner: Session;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const api = apiAs(
    () => patron,
    () => owner,
  );
  let orderNo = 0;
  const paidOrder = async (email: string) => {
    const res = await api('POST', '/orders', {
      channel: 'shopify',
      externalId: `WH-${++orderNo}`,
      customer: { email, name: '王小明' },
      status: 'paid',
      totalAmount: 12_800,
      placedAt: new Date().toISOString(),
      paidAt: new Date().toISOString(),
      items: [{ sku: 'TEA', name: '茶', quantity: 1, unitPrice: 12_800 }],
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { orderId: number; customerId: number };
  };
  const later = (seconds: number) => ({ ...patron.ctx, clock: { now: () => new Date(Date.now() + seconds * 1000) } });
  const flush = async (seconds = 0) => {
    while ((await dispatchEvents(patron.ctx, patronComposition.subscriptions)) > 0);
    return deliverWebhooks(later(seconds));
  };

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    receiver.close();
    await patron.close();
  });

  it('signs each paid order to the endpoint, masked, once; writes nothing for events nobody subscribed to', async () => {
    const bad = await api('POST', '/webhooks', { name: 'x', url: 'ftp://erp.example.com', events: ['order.paid'] });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await api('POST', '/webhooks', { name: 'x', url: receiver.url, events: ['order.nope'] })).statusCode).toBe(400);
    const created = await api('POST', '/webhooks', {
      name: 'ERP',
      url: receiver.url,
      events: ['order.paid'],
      filters: [{ field: 'currency', in: ['CNY'] }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id, secret } = created.json();
    expect(secret).toMatch(/^whsec_/);
    expect(JSON.stringify((await api('GET', '/webhooks')).json())).not.toContain(secret);

    const { orderId, customerId } = await paidOrder('wang@example.com');
    expect(await flush()).toBe(1);
    expect(await flush()).toBe(0);
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(verifies(secret, got)).toBe(true);
    expect(verifies('whsec_wrong', got)).toBe(false);
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({
      type: 'order.paid',
      version: 1,
      deliveryId: got.headers['x-patron-delivery'],
      customer: { id: customerId, name: '王*' },
      data: { orderId, status: 'paid', totalAmount: 12_800 },
    });
    expect(body.customer.email).not.toContain('wang@');
    // order.placed is wanted by no endpoint: no delivery rows are written for it.
    const placed = await patron.ctx.db
      .selectFrom('event_deliveries')
      .innerJoin('domain_events', 'domain_events.id', 'event_deliveries.event_id')
      .select('domain_events.type')
      .where('event_deliveries.subscriber', '=', 'webhooks')
      .execute();
    expect(placed.map((p) => p.type)).toEqual(['order.paid']);
    const log = (await api('GET', `/webhooks/${id}/deliveries`)).json();
    expect(log.items[0]).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200, eventType: 'order.paid' });
  });

  it('retries with backoff, pauses the endpoint after its run of failures, and sends what waited when resumed', async () => {
    const { id } = (await api('POST', '/webhooks', { name: 'Flaky', url: receiver.url, events: ['order.paid'], pauseAfter: 2 })).json();
    receiver.state.status = 503;
    receiver.received.length = 0;
    await paidOrder('li@example.com');
    await flush();
    // Both endpoints got it; the first endpoint answers 503 as well now.
    const flaky = () => api('GET', `/webhooks/${id}/deliveries`).then((r) => r.json().items[0]);
    expect(await flaky()).toMatchObject({ status: 'pending', attempts: 1, responseStatus: 503, error: 'HTTP 503' });
    expect(await flush(10)).toBe(0);
    expect(await flush(31)).toBeGreaterThan(0);
    const endpoint = (await api('GET', '/webhooks')).json().find((e: { id: number }) => e.id === id);
    expect(endpoint).toMatchObject({ status: 'paused', failures: 2, pending: 1 });
    expect(endpoint.pausedReason).toContain('HTTP 503');
    const audit = await patron.ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'webhook.auto_pause').execute();
    expect(audit.length).toBeGreaterThan(0);
    expect(await flush(3600)).toBeLessThanOrEqual(1);

    receiver.state.status = 200;
    expect((await api('POST', `/webhooks/${id}/status`, { status: 'active' })).statusCode).toBe(200);
    await flush();
    expect(await flaky()).toMatchObject({ status: 'delivered', attempts: 3 });
    expect((await api('GET', '/webhooks')).json().find((e: { id: number }) => e.id === id)).toMatchObject({
      status: 'active',
      failures: 0,
    });
  });

  it('rotates a secret with an overlap (both sign), replays a delivery under a new delivery id, and sends personal data only when granted', async () => {
    const created = (await api('POST', '/webhooks', { name: 'Warehouse', url: receiver.url, events: ['order.paid'], pii: true })).json();
    const rotated = (await api('POST', `/webhooks/${created.id}/rotate-secret`, { overlapHours: 24 })).json();
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretUntil).not.toBeNull();
    receiver.received.length = 0;
    const { customerId } = await paidOrder('zhao@example.com');
    await flush();
    const mine = receiver.received.filter((r) => JSON.parse(r.body).customer.email === 'zhao@example.com');
    expect(mine).toHaveLength(1);
    expect(verifies(rotated.secret, mine[0])).toBe(true);
    expect(verifies(created.secret, mine[0])).toBe(true);
    const sent = await patron.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'target_id'])
      .where('action', '=', 'webhook.pii_sent')
      .execute();
    expect(sent.map((a) => Number(a.target_id))).toContain(customerId);

    const [first] = (await api('GET', `/webhooks/${created.id}/deliveries`)).json().items;
    expect((await api('POST', `/webhooks/${created.id}/replay`, { deliveryId: first.id })).json()).toEqual({ queued: 1 });
    await flush();
    const [again] = (await api('GET', `/webhooks/${created.id}/deliveries`)).json().items;
    expect(again).toMatchObject({ replayOf: first.id, status: 'delivered', eventId: first.eventId });
    expect(again.deliveryId).not.toBe(first.deliveryId);
    expect((await api('POST', `/webhooks/${created.id}/replay`, { deliveryId: 999_999 })).json().error.code).toBe(
      'WEBHOOK_DELIVERY_NOT_FOUND',
    );
    expect((await api('DELETE', '/webhooks/999999')).json().error.code).toBe('WEBHOOK_NOT_FOUND');
    // A key that may manage settings but not read personal data cannot grant it to an endpoint.
    const key = (await api('POST', '/api-keys', { name: 'ops', role: 'admin', scopes: ['settings.read', 'settings.manage'] })).json();
    const asKey = (body: object) =>
      patron.http.inject({ method: 'POST', url: '/api/v1/webhooks', headers: { authorization: `Bearer ${key.secret}` }, payload: body });
    const refused = await asKey({ name: 'Leak', url: receiver.url, events: ['order.paid'], pii: true });
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'WEBHOOK_PII_FORBIDDEN']);
    expect((await asKey({ name: 'Masked', url: receiver.url, events: ['order.paid'] })).statusCode).toBe(201);
  });

  it('tells of tickets opened and solved', async () => {
    await api('POST', '/webhooks', { name: 'Desk', url: receiver.url, events: ['ticket.created', 'ticket.solved'] });
    receiver.received.length = 0;
    const opened = await api('POST', '/tickets', { subject: '发票', body: '请开发票', customer: { email: 'desk@example.com' } });
    expect(opened.statusCode, opened.body).toBe(201);
    const id = opened.json().id;
    expect((await api('PATCH', `/tickets/${id}`, { status: 'solved' })).statusCode).toBe(200);
    await flush();
    await flush();
    const bodies = receiver.received.map((r) => JSON.parse(r.body)).filter((b) => b.type.startsWith('ticket.'));
    expect(bodies.map((b) => [b.type, b.data.ticketId, b.data.channel]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['ticket.created', id, 'api'],
      ['ticket.solved', id, 'api'],
    ]);
  });

  it('writes per-message events only while an endpoint wants them', async () => {
    const clicked = (n: number) => ({
      key: `test-click-${n}`,
      type: 'message.clicked' as const,
      customerId: null,
      occurredAt: new Date(),
      payload: { messageId: n, channel: 'email', template: null, url: 'https://shop.example.com', machine: false },
    });
    const stored = () => patron.ctx.db.selectFrom('domain_events').select('key').where('key', 'like', 'test-click-%').execute();
    await emitWhenWanted(patron.ctx.db, clicked(1));
    expect(await stored()).toEqual([]);
    const { id } = (await api('POST', '/webhooks', { name: 'Clicks', url: receiver.url, events: ['message.clicked'] })).json();
    await emitWhenWanted(patron.ctx.db, clicked(2));
    expect(await stored()).toEqual([{ key: 'test-click-2' }]);
    await api('DELETE', `/webhooks/${id}`);
    await emitWhenWanted(patron.ctx.db, clicked(3));
    expect((await stored()).map((r) => r.key)).toEqual(['test-click-2']);
  });

  it('tells of customers created and changed, by triggers enabled only while an endpoint wants them', async () => {
    const enabled = async () =>
      Object.fromEntries(
        (
          await sql<{ tgname: string; tgenabled: string }>`
            select tgname, tgenabled from pg_trigger
            where tgname in ('customers_created_events', 'customers_updated_events', 'loyalty_ledger_points_events') order by 1`.execute(
            patron.ctx.db,
          )
        ).rows.map((r) => [r.tgname, r.tgenabled !== 'D']),
      );
    expect(await enabled()).toEqual({
      customers_created_events: false,
      customers_updated_events: false,
      loyalty_ledger_points_events: false,
    });
    const created = await api('POST', '/webhooks', {
      name: 'CDP',
      url: receiver.url,
      events: ['customer.created', 'customer.updated', 'points.changed'],
    });
    expect(await enabled()).toEqual({ customers_created_events: true, customers_updated_events: true, loyalty_ledger_points_events: true });
    receiver.received.length = 0;
    const first = await api('POST', '/customers', { email: 'new-person@example.com', name: '新客' });
    const customerId = first.json().customerId;
    await api('POST', '/customers', { email: 'new-person@example.com', city: '杭州' });
    await flush();
    await flush();
    const bodies = receiver.received.map((r) => JSON.parse(r.body)).filter((b) => b.type.startsWith('customer.'));
    // Deliveries go out side by side: not in order (receivers order by occurredAt).
    expect(bodies.map((b) => [b.type, b.data]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['customer.created', { customerId }],
      ['customer.updated', { customerId, fields: ['city'] }],
    ]);
    await api('DELETE', `/webhooks/${created.json().id}`);
    expect(Object.values(await enabled())).toEqual([false, false, false]);
  });
});
