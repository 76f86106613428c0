import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patron } from '../server/app.ts';
import { createIntegration } from '../server/modules/ingest/index.ts';
import { createSource } from '../server/modules/tracking/index.ts';
import { as, type Session, signIn, startTestPatron } from './app.ts';

/**
 * Hostile input at every door: each operation in the OpenAPI document, the tracking API and the webhooks receive
 * generated malformed bodies, wrong types, oversized and deeply nested JSON, bad encodings, a gzip bomb and NUL bytes.
 * Not one answer may be a 5xx, and the server must still answer afterwards. Seeded (PATRON_FUZZ_SEED), bounded
 * (PATRON_FUZZ_CASES per operation). New endpoints are covered without editing this file: it reads the document.
 */
const SEED = Number(process.env.PATRON_FUZZ_SEED ?? 20261203);
const CASES = Number(process.env.PATRON_FUZZ_CASES ?? 200);

/** mulberry32: a small seeded generator, so a failing case can be run again. */
function generator(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Case = { label: string; payload?: string | Buffer; headers?: Record<string, string> };

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A random JSON value of any type: strings with NUL, emoji and lone surrogates, huge numbers, nested structures. */
function randomValue(rnd: () => number, depth = 0): unknown {
  const pick = Math.floor(rnd() * 12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rnd() < 0.5;
    case 2:
      return Math.floor(rnd() * 2 ** 53) * (rnd() < 0.5 ? -1 : 1);
    case 3:
      return [1e308, -1e308, 0.1, -0, 2 ** 63][Math.floor(rnd() * 5)];
    case 4:
      return 'x'.repeat(Math.floor(rnd() * 5000));
    case 5:
      return `a\u0000b`;
    case 6:
      return '\ud800\u{1F600}<img src=x onerror=alert(1)>';
    case 7:
      return '2026-02-30T25:61:00Z';
    case 8:
      return depth < 3 ? Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1)) : [];
    case 9:
      return depth < 3
        ? Object.fromEntries(
            Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => [
              ['__proto__', 'constructor', 'id', 'email', `k${i}`][Math.floor(rnd() * 5)],
              randomValue(rnd, depth + 1),
            ]),
          )
        : {};
    case 10:
      return '13800138000';
    default:
      return '';
  }
}

/** A body shaped like the operation's schema (its property names) with values of the wrong kind. */
function shapedBody(rnd: () => number, schema: Record<string, unknown> | undefined): unknown {
  const props = (schema?.properties ?? {}) as Record<string, unknown>;
  const names = Object.keys(props);
  if (names.length === 0) return randomValue(rnd);
  return Object.fromEntries(names.filter(() => rnd() < 0.8).map((n) => [n, randomValue(rnd)]));
}

function cases(rnd: () => number, schema: Record<string, unknown> | undefined): Case[] {
  const json = { 'content-type': 'application/json' };
  const fixed: Case[] = [
    { label: 'empty body', payload: '', headers: json },
    { label: 'not JSON', payload: '{"a":', headers: json },
    { label: 'deeply nested array', payload: deep(5000), headers: json },
    { label: 'deeply nested object', payload: deepObject(3000), headers: json },
    { label: 'NUL bytes', payload: '{"name":"a\\u0000b","q":"\u0000"}', headers: json },
    { label: 'invalid UTF-8', payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]), headers: json },
    { label: 'oversized', payload: `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}`, headers: json },
    { label: 'wrong content type', payload: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    { label: 'array at the top', payload: '[1,2,3]', headers: json },
    { label: 'gzip bomb', payload: gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)), headers: { ...json, 'content-encoding': 'gzip' } },
  ];
  const generated = Array.from({ length: Math.max(0, CASES - fixed.length) }, (_, i) => ({
    label: `generated ${i}`,
    payload: JSON.stringify(rnd() < 0.7 ? shapedBody(rnd, schema) : randomValue(rnd)),
    headers: json,
  }));
  return [...fixed, ...generated];
}

/** A path of the document with its parameters filled: ids that exist, ids that do not, and nonsense. */
function fillPath(rnd: () => number, path: string): string {
  const values = ['1', '2', '999999999', '-1', '0', 'abc', '1e99', '%00', '..%2F..', encodeURIComponent('上海')];
  return path.replace(/\{[^}]+\}/g, () => values[Math.floor(rnd() * values.length)]);
}

function fillQuery(rnd: () => number): string {
  const keys = ['limit', 'offset', 'q', 'cursor', 'status', 'from', 'reveal', 'kind', 'segment'];
  const values = ['-1', '1e309', 'x', '', '%00', '2026-13-45', 'true', '[]', 'a'.repeat(500)];
  return Array.from(
    { length: Math.floor(rnd() * 4) },
    () => `${keys[Math.floor(rnd() * keys.length)]}=${values[Math.floor(rnd() * values.length)]}`,
  ).join('&');
}

type Operation = { method: string; path: string; schema?: Record<string, unknown> };

describe('fuzzing every door', () => {
  let patron: Patron;
  let owner: Session;
  let operations: Operation[] = [];
  const tally = { requests: 0, byStatus: new Map<number, number>() };
  const failures: string[] = [];

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    const doc = (await patron.http.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> } }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        schema: op.requestBody?.content?.['application/json']?.schema,
      })),
    );
  }, 120_000);
  afterAll(() => patron.close());

  const send = async (method: string, url: string, c: Case, headers: Record<string, string> = {}) => {
    const res = await patron.http.inject({
      method: method as 'POST',
      url,
      headers: { ...headers, ...c.headers },
      ...(c.payload !== undefined && method !== 'GET' && method !== 'DELETE' ? { payload: c.payload } : {}),
    });
    tally.requests++;
    tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) failures.push(`${method} ${url} [${c.label}] → ${res.statusCode} ${res.body.slice(0, 200)}`);
  };

  it('answers every operation of the API document with no 5xx, signed in as the owner', async () => {
    const rnd = generator(SEED);
    // Signing out or changing the password would end the session the rest of the cases run in: those come last.
    const last = (o: Operation) => (/logout|password/.test(o.path) ? 1 : 0);
    for (const op of [...operations].sort((a, b) => last(a) - last(b))) {
      for (const c of cases(rnd, op.schema)) {
        const query = fillQuery(rnd);
        await send(op.method, `${fillPath(rnd, op.path)}${query ? `?${query}` : ''}`, c, as(owner));
      }
    }
    expect(operations.length).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  }, 600_000);

  it('answers the tracking API and the platform webhooks with no 5xx, however the body is broken or signed', async () => {
    const rnd = generator(SEED + 1);
    const actor = { type: 'system' as const, id: null, label: 'fuzz', ip: null };
    const { writeKey } = await createSource(patron.ctx.db, { name: 'fuzz', actor });
    const shop = await createIntegration(patron.ctx.db, patron.ctx.keyring, {
      provider: 'shopify',
      name: 'fuzz-shop',
      secret: 'fuzz-secret-0123456789abcdef',
      actor,
    });
    const market = await createIntegration(patron.ctx.db, patron.ctx.keyring, {
      provider: 'taobao',
      name: 'fuzz-tb',
      secret: 'fuzz-secret-0123456789abcdef',
      actor,
    });
    const basic = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
    const sign = (body: string | Buffer) => createHmac('sha256', 'fuzz-secret-0123456789abcdef').update(body).digest('base64');
    for (const kind of ['identify', 'track', 'page', 'screen', 'group', 'alias', 'batch', 'import']) {
      for (const c of cases(rnd, undefined)) await send('POST', `/v1/${kind}`, c, basic);
    }
    for (const c of cases(rnd, undefined)) {
      const body = c.payload ?? '';
      // Signed correctly: the body itself is what is broken.
      await send('POST', `/webhooks/shopify/${shop.integration.id}`, c, {
        'x-shopify-topic': ['orders/create', 'refunds/create', 'customers/update', 'fulfillments/create', 'x'][Math.floor(rnd() * 5)],
        'x-shopify-hmac-sha256': sign(body),
        'x-shopify-webhook-id': `f-${tally.requests}`,
      });
      await send('POST', `/webhooks/orders/${market.integration.id}`, c, { 'x-patron-signature': `sha256=${sign(body)}` });
      await send('POST', `/webhooks/woocommerce/${shop.integration.id}`, c, {});
    }
    expect(failures).toEqual([]);
    // Still answering after all of it.
    expect((await patron.http.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const counts = [...tally.byStatus.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    console.log(
      `fuzz: ${operations.length} operations, ${tally.requests} requests (seed ${SEED}, ${CASES} cases each); by status ${counts}; 0 5xx`,
    );
  }, 600_000);
});
