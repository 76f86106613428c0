import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Session, signIn, startTestPatron } from '../../test/app.ts';
import type { Patron } from '../app.ts';
import { patronComposition } from '../modules.ts';
import { buildHttp } from './app.ts';
import { defineRoute } from './route.ts';

describe('HTTP API conventions', () => {
  let patron: Patron;
  let owner: Session;
  beforeAll(async () => {
    patron = await startTestPatron({ bodyLimit: 64 * 1024 });
    owner = await signIn(patron);
  });
  afterAll(() => patron.close());

  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    patron.http.inject({ method: 'POST', url, payload, headers: { ...as(owner), 'content-type': 'application/json', ...headers } });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await post('/api/v1/users', '{"email": ');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('MALFORMED_JSON');
  });

  it('answers wrong types with 400 VALIDATION_FAILED naming the field', async () => {
    const res = await post('/api/v1/users', JSON.stringify({ email: 'a@b.cn', name: 5, role: 'marketer' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ in: 'body', path: 'name' })] });
  });

  it('answers a U+0000 character, which PostgreSQL cannot store, with 400 VALIDATION_FAILED at its path', async () => {
    const body = await post('/api/v1/users', JSON.stringify({ email: 'nul@b.cn', name: 'A\u0000B', role: 'marketer' }));
    expect([body.statusCode, body.json().error]).toEqual([
      400,
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ in: 'body', path: 'name', code: 'invalid_character' })],
      }),
    ]);
    const query = await patron.http.inject({ method: 'GET', url: '/api/v1/customers?q=a%00b', headers: as(owner) });
    expect([query.statusCode, query.json().error.details[0].in]).toEqual([400, 'query']);
  });

  it('rejects unknown fields', async () => {
    const res = await post('/api/v1/users', JSON.stringify({ email: 'a@b.cn', name: 'A', role: 'marketer', isAdmin: true }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('rejects an invalid query parameter and an invalid path parameter', async () => {
    const q = await patron.http.inject({ method: 'GET', url: '/api/v1/audit?limit=abc', headers: as(owner) });
    expect([q.statusCode, q.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const p = await patron.http.inject({ method: 'PATCH', url: '/api/v1/users/not-a-number', payload: {}, headers: as(owner) });
    expect([p.statusCode, p.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post('/api/v1/users', JSON.stringify({ email: 'a@b.cn', name: 'x'.repeat(70 * 1024), role: 'marketer' }));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await post('/api/v1/users', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([res.statusCode, res.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('answers unknown API routes with 404 ROUTE_NOT_FOUND', async () => {
    const res = await patron.http.inject({ method: 'GET', url: '/api/v1/nope', headers: as(owner) });
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });

  it('hides internals of unexpected errors behind 500 INTERNAL_ERROR', async () => {
    const crash = defineRoute({
      method: 'GET',
      url: '/crash',
      access: 'public',
      tag: 'test',
      summary: 'crashes',
      handler: async () => {
        throw new Error('secret connection string postgres://u:p@h/db');
      },
    });
    const app = await buildHttp({
      ctx: patron.ctx,
      routes: [crash],
      authenticate: async () => null,
      ready: async () => true,
      version: 'test',
    });
    const res = await app.inject({ method: 'GET', url: '/api/v1/crash' });
    await app.close();
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
    expect(res.body).not.toContain('secret');
  });

  it('rate-limits sign-in attempts per address with 429 RATE_LIMITED and Retry-After', async () => {
    let last = await patron.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@y.cn', password: 'p' } });
    for (let i = 0; i < 30 && last.statusCode !== 429; i++) {
      last = await patron.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@y.cn', password: 'p' } });
    }
    expect([last.statusCode, last.json().error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('serves health, readiness, metrics and a request id', async () => {
    const health = await patron.http.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(health.json()).toEqual({ status: 'ok' });
    expect(health.headers['x-request-id']).toBe('abc-123');
    expect((await patron.http.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const metrics = await patron.http.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('patron_http_requests_total');
    expect(metrics.body).toContain('patron_process_resident_memory_bytes');
    // The modules' gauges, read from the database at the scrape.
    for (const name of ['patron_jobs_waiting', 'patron_messages_waiting', 'patron_sla_breached_open', 'patron_webhook_endpoints_paused'])
      expect(metrics.body).toContain(`# TYPE ${name} gauge`);
    expect(metrics.body).toContain('patron_webhook_endpoints_paused 0');
  });

  it('documents every route in OpenAPI 3.1 and serves the docs page', async () => {
    const doc = (await patron.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const r of patronComposition.routes) {
      const path = `/api/v1${r.url.replace(/:(\w+)/g, '{$1}')}`;
      expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${path}`).toBeDefined();
    }
    expect(doc.paths['/api/v1/users'].post.requestBody.content['application/json'].schema.properties.email).toBeDefined();
    const paid = doc.webhooks['order.paid'].post;
    expect(paid.requestBody.content['application/json'].schema.properties.data.properties.orderId).toBeDefined();
    expect(paid.parameters.map((p: { name: string }) => p.name)).toContain('X-Patron-Signature');
    const ui = await patron.http.inject({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});
