import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patron } from '../server/app.ts';
import { backupToFile } from '../server/db/index.ts';
import { as, OWNER, type Session, signIn, startTestPatron } from './app.ts';

/**
 * Secrets — passwords, API keys, write keys, platform signing secrets, the master key — never reach the logs, API
 * answers, error messages or a backup in clear. Everything Patron logs at the most verbose level while they are used,
 * misused and refused is kept and searched.
 */
describe('secrets stay secret', () => {
  let patron: Patron;
  let owner: Session;
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const masterKey = 'c0ffee42'.repeat(8);
  beforeAll(async () => {
    patron = await startTestPatron({ masterKey }, { log: pino({ level: 'trace', base: { app: 'patron' } }, sink) });
    owner = await signIn(patron);
  });
  afterAll(() => patron.close());

  it('never writes a secret to the logs, an answer or a backup, however it is used', async () => {
    const api = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = as(owner)) =>
      patron.http.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    const platformSecret = 'shpss_platform_secret_9f8e7d6c5b4a';
    const key = (await api('POST', '/api-keys', { name: 'bi', role: 'analyst' })).json().secret as string;
    const writeKey = (await api('POST', '/sources', { name: 'site' })).json().writeKey as string;
    const integration = (await api('POST', '/integrations', { provider: 'shopify', name: 'shop', secret: platformSecret })).json()
      .integration;
    // Used, misused and refused: a wrong password, a revoked-looking key, a forged webhook, a body echoing a secret.
    await patron.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: OWNER.email, password: `${OWNER.password}-wrong` },
    });
    await api('GET', '/customers', undefined, { authorization: `Bearer ${key}x` });
    await api('GET', '/customers', undefined, { authorization: `Bearer ${key}` });
    // A search by phone: the number is the query, and the request's log line must not carry it.
    await api('GET', `/customers?q=${encodeURIComponent('+8613700001234')}`);
    await patron.http.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      payload: { userId: 'u1', event: 'Viewed' },
    });
    await patron.http.inject({
      method: 'POST',
      url: `/webhooks/shopify/${integration.id}`,
      payload: '{}',
      headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': platformSecret, 'x-shopify-topic': 'orders/create' },
    });
    await api('POST', '/integrations', { provider: 'nope', name: platformSecret, secret: platformSecret });
    const answers = [
      (await api('GET', '/integrations')).body,
      (await api('GET', '/api-keys')).body,
      (await api('GET', '/sources')).body,
      (await api('GET', '/audit?limit=200')).body,
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'patron-secrets-'));
    await backupToFile(patron.ctx.db, join(dir, 'backup.jsonl.gz'));
    const backup = gunzipSync(readFileSync(join(dir, 'backup.jsonl.gz'))).toString('utf8');
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs.includes('13700001234'), 'a searched phone number in the logs').toBe(false);
    for (const [name, secret] of Object.entries({ password: OWNER.password, apiKey: key, writeKey, platformSecret, masterKey })) {
      expect(logs.includes(secret), `${name} in the logs`).toBe(false);
      expect(answers.includes(secret), `${name} in an API answer`).toBe(false);
      expect(backup.includes(secret), `${name} in the backup`).toBe(false);
    }
  });
});
