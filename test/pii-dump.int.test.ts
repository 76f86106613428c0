import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patron } from '../server/app.ts';
import { backupToFile } from '../server/db/index.ts';
import { createIntegration, runImport } from '../server/modules/ingest/index.ts';
import { createSource, drainInbox } from '../server/modules/tracking/index.ts';
import { as, signIn, startTestPatron } from './app.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'test', ip: null };

/** Personal values sent through every ingest path; none may appear in clear anywhere in the database. */
const SECRETS = {
  restEmail: 'rest.person@secret-mail.cn',
  restPhone: '13900000001',
  restAddress: '上海市徐汇区机密路 88 号',
  trackEmail: 'track.person@secret-mail.cn',
  trackPhone: '13900000002',
  trackStreet: '杭州市机密街 7 号',
  shopEmail: 'shop.person@secret-mail.cn',
  shopPhone: '+8613900000003',
  shopStreet: '深圳市机密大道 9 号',
  importEmail: 'import.person@secret-mail.cn',
  importPhone: '13900000004',
  importBadEmail: 'bad.row@secret-mail.cn',
};

describe('no personal data in clear in the database', () => {
  let patron: Patron;
  beforeAll(async () => {
    patron = await startTestPatron();
  });
  afterAll(() => patron.close());

  it('holds phones, e-mails and addresses from REST, tracking, webhooks and imports only encrypted', async () => {
    const owner = await signIn(patron);
    await patron.http.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: as(owner),
      payload: { email: SECRETS.restEmail, phone: SECRETS.restPhone, address: SECRETS.restAddress },
    });
    await patron.http.inject({ method: 'GET', url: `/api/v1/customers?q=${SECRETS.restPhone}`, headers: as(owner) });

    const { writeKey } = await createSource(patron.ctx.db, { name: 'web', actor: ACTOR });
    const auth = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
    await patron.http.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: auth,
      payload: {
        userId: 'u-secret',
        traits: { email: SECRETS.trackEmail, phone: SECRETS.trackPhone, address: { street: SECRETS.trackStreet, city: '杭州市' } },
      },
    });
    await patron.http.inject({
      method: 'POST',
      url: '/v1/track',
      headers: auth,
      payload: { userId: 'u-secret', event: 'Signed Up', properties: { email: SECRETS.trackEmail, plan: 'gold' } },
    });
    // Stored as events, as the tracking-inbox poller does; the inbox holds batches only encrypted too.
    while ((await drainInbox(patron.ctx)) > 0);

    const shopSecret = 'shpss_secretsecretsecretsecret';
    const shop = await createIntegration(patron.ctx.db, patron.ctx.keyring, {
      provider: 'shopify',
      name: 'shop',
      secret: shopSecret,
      actor: ACTOR,
    });
    const order = JSON.stringify({
      id: 42,
      email: SECRETS.shopEmail,
      phone: SECRETS.shopPhone,
      created_at: '2026-11-01T00:00:00Z',
      currency: 'CNY',
      total_price: '10.00',
      financial_status: 'paid',
      customer: { id: 7, email: SECRETS.shopEmail },
      shipping_address: { address1: SECRETS.shopStreet, city: '深圳市' },
      line_items: [],
    });
    await patron.http.inject({
      method: 'POST',
      url: shop.integration.webhookPath,
      payload: order,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-hmac-sha256': createHmac('sha256', shopSecret).update(order).digest('base64'),
        'x-shopify-webhook-id': 'pii-1',
      },
    });
    const request = JSON.stringify({
      shop_id: 1,
      customer: { id: 7, email: SECRETS.shopEmail, phone: SECRETS.shopPhone },
      data_request: { id: 9 },
    });
    await patron.http.inject({
      method: 'POST',
      url: shop.integration.webhookPath,
      payload: request,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'customers/data_request',
        'x-shopify-hmac-sha256': createHmac('sha256', shopSecret).update(request).digest('base64'),
        'x-shopify-webhook-id': 'pii-2',
      },
    });

    const dir = mkdtempSync(join(tmpdir(), 'patron-pii-'));
    const csv = join(dir, 'people.csv');
    writeFileSync(
      csv,
      `id,email,phone,birthday\nP1,${SECRETS.importEmail},${SECRETS.importPhone},1990-01-01\nP2,${SECRETS.importBadEmail},123,not-a-date\n`,
    );
    const summary = await runImport(patron.ctx.db, patron.ctx.keyring, {
      kind: 'customers',
      file: csv,
      mapping: { external_id: 'id' },
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      now: () => new Date(),
    });
    expect(summary.failed).toBe(1);

    const file = join(dir, 'dump.gz');
    await backupToFile(patron.ctx.db, file);
    const dump = gunzipSync(readFileSync(file)).toString('utf8');
    expect(dump).toContain('u-secret'); // the dump really holds the ingested data
    const leaks = Object.entries(SECRETS).filter(([, v]) => dump.includes(v) || dump.includes(v.replace('+86', '')));
    expect(leaks).toEqual([]);
  });
});
