import { createHmac, randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, as, signIn, startTestPatron } from '../../../test/app.ts';
import { type FakeSms, startFakeSms } from '../../../test/sms-fakes.ts';
import type { Patron } from '../../app.ts';
import { sendDue } from './sender.ts';

const KEYS = {
  aliyun: { id: 'LTAI5tTestKeyId', secret: 'aliyun-test-secret-0123456789' },
  tencent: { id: 'AKIDtestSecretId', secret: 'tencent-test-secret-0123456789' },
};
const NOON = new Date('2026-12-03T04:00:00Z');

describe('SMS through the providers’ own SDKs', () => {
  let patron: Patron;
  let owner: Session;
  let fake: FakeSms;
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    patron.http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(owner),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const send = () => sendDue({ ...patron.ctx, clock: { now: () => NOON } });
  /** Aliyun through the fake, with the right keys. */
  const useAliyun = () =>
    api('PUT', '/settings/messaging/sms', {
      kind: 'aliyun',
      accessKeyId: KEYS.aliyun.id,
      secret: KEYS.aliyun.secret,
      signName: '帕特龙',
      endpoint: fake.endpoint,
    });
  const queue = async (customerId: number, key: string) =>
    (
      await api('POST', '/messages', {
        key,
        customerId,
        template: 'order-unpaid',
        variables: { order: { id: key, total: 12900 } },
        sendAt: '2026-01-01T00:00:00Z',
      })
    ).json().messageId as number;
  const state = (id: number) =>
    patron.ctx.db
      .selectFrom('messages')
      .select(['status', 'provider', 'provider_message_id', 'error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    fake = await startFakeSms(KEYS);
    patron = await startTestPatron();
    owner = await signIn(patron);
    const template = {
      key: 'order-unpaid',
      name: '催付',
      channel: 'sms',
      purpose: 'transactional',
      quietHours: false,
      body: { 'zh-CN': '您的订单 {{ order.id }} 还未付款，金额 {{ order.total | money }}', en: 'Order {{ order.id }} is unpaid' },
      providerTemplate: { code: 'SMS_4815162342', params: { order: '{{ order.id }}', amount: '{{ order.total | money }}' } },
    };
    expect((await api('PUT', '/message-templates/order-unpaid', template)).statusCode).toBe(200);
  });
  afterAll(async () => {
    await patron.close();
    await fake.close();
  });

  it('sends through Aliyun SendSms: the SDK signs, the fake verifies, the message id travels as OutId', async () => {
    const set = await useAliyun();
    expect(set.json()).toMatchObject({ configured: true, kind: 'aliyun', hasSecret: true });
    expect(set.body).not.toContain(KEYS.aliyun.secret);
    const id = (await api('POST', '/customers', { phone: '13811112222', name: '周' })).json().customerId;
    const messageId = await queue(id, 'TB-ALI-1');
    expect(await send()).toBe(1);
    expect(await state(messageId)).toMatchObject({ status: 'sent', provider: 'aliyun', error: null });
    expect(fake.sent).toContainEqual({
      provider: 'aliyun',
      to: '+8613811112222',
      sign: '帕特龙',
      template: 'SMS_4815162342',
      params: { order: 'TB-ALI-1', amount: '¥129.00' },
      ref: String(messageId),
    });
    expect(fake.refused).toEqual([]);
  });

  it('sends through Tencent Cloud SendSms (TC3 signature verified); a wrong secret is refused and the message waits for a retry, never marked sent', async () => {
    await api('PUT', '/settings/messaging/sms', {
      kind: 'tencent',
      accessKeyId: KEYS.tencent.id,
      secret: KEYS.tencent.secret,
      signName: '帕特龙',
      sdkAppId: '1400000000',
      endpoint: fake.endpoint,
    });
    const id = (await api('POST', '/customers', { phone: '13933334444', name: '吴' })).json().customerId;
    const ok = await queue(id, 'TB-TX-1');
    await send();
    expect(await state(ok)).toMatchObject({ status: 'sent', provider: 'tencent' });
    expect(fake.sent).toContainEqual({
      provider: 'tencent',
      to: '+8613933334444',
      sign: '帕特龙',
      template: 'SMS_4815162342',
      params: ['TB-TX-1', '¥129.00'],
      ref: String(ok),
    });
    await api('PUT', '/settings/messaging/sms', {
      kind: 'tencent',
      accessKeyId: KEYS.tencent.id,
      secret: 'a-wrong-secret',
      signName: '帕特龙',
      sdkAppId: '1400000000',
      endpoint: fake.endpoint,
    });
    const refused = await queue(id, 'TB-TX-2');
    await send();
    expect(fake.refused).toEqual(['tencent: signature']);
    expect(await state(refused)).toMatchObject({ status: 'queued', provider: 'tencent' });
    expect((await state(refused)).error).toContain('AuthFailure.SignatureFailure');
  });

  it('marks a number the provider refuses as failed without retrying', async () => {
    await useAliyun();
    const id = (await api('POST', '/customers', { phone: '13900000000', name: '郑' })).json().customerId;
    const messageId = await queue(id, 'TB-ALI-2');
    await send();
    expect(await state(messageId)).toMatchObject({ status: 'failed', provider: 'aliyun' });
    expect((await state(messageId)).error).toContain('isv.MOBILE_NUMBER_ILLEGAL');
  });

  it('sends what is handed over together as one Aliyun SendBatchSms, each number with its own parameters; receipts name batch and number; a batch refused for one bad number goes number by number', async () => {
    const set = (await useAliyun()).json();
    const phones = ['13811113331', '13811113332', '13811113333'];
    const ids: number[] = [];
    for (const [i, phone] of phones.entries()) {
      const customer = (await api('POST', '/customers', { phone, name: `批${i}` })).json().customerId;
      ids.push(await queue(customer, `TB-BATCH-${i}`));
    }
    expect(await send()).toBe(3);
    const batch = fake.sent.filter((m) => m.params && !Array.isArray(m.params) && m.params.order?.startsWith('TB-BATCH-'));
    expect(batch.map((m) => [m.to, m.sign, m.template, m.params])).toEqual(
      phones.map((p, i) => [`+86${p}`, '帕特龙', 'SMS_4815162342', { order: `TB-BATCH-${i}`, amount: '¥129.00' }]),
    );
    expect(batch[0].batch).toEqual(expect.any(String));
    expect(new Set(batch.map((m) => m.batch)).size).toBe(1);
    const states = await Promise.all(ids.map(state));
    expect(states.map((x) => x.status)).toEqual(['sent', 'sent', 'sent']);
    expect(new Set(states.map((x) => x.provider_message_id)).size).toBe(3);
    expect(states.every((x) => x.provider_message_id?.startsWith(`${batch[0].batch}/`))).toBe(true);
    expect(fake.refused.filter((r) => r.startsWith('aliyun'))).toEqual([]);

    // A receipt names the batch (biz_id) and the number; only that number's message is settled.
    const hook = await patron.http.inject({
      method: 'POST',
      url: new URL(set.callbackUrl).pathname,
      payload: JSON.stringify([
        { phone_number: '13811113332', success: false, err_code: 'MOBILE_NOT_ON_SERVICE', biz_id: batch[0].batch, out_id: '' },
      ]),
      headers: { 'content-type': 'application/json' },
    });
    expect(hook.json()).toEqual({ code: 0, msg: 'ok' });
    expect((await Promise.all(ids.map(state))).map((x) => [x.status, x.error])).toEqual([
      ['sent', null],
      ['bounced', 'MOBILE_NOT_ON_SERVICE'],
      ['sent', null],
    ]);

    // The service refuses a batch holding an invalid number as a whole: sent again one by one, only that one fails.
    const good = await queue((await api('POST', '/customers', { phone: '13811114441', name: '好' })).json().customerId, 'TB-BATCH-GOOD');
    const bad = await queue((await api('POST', '/customers', { phone: '13700000000', name: '坏' })).json().customerId, 'TB-BATCH-BAD');
    expect(await send()).toBe(2);
    expect(await state(good)).toMatchObject({ status: 'sent' });
    expect(fake.sent).toContainEqual(expect.objectContaining({ to: '+8613811114441', ref: String(good) }));
    expect(await state(bad)).toMatchObject({ status: 'failed' });
    expect((await state(bad)).error).toContain('isv.MOBILE_NUMBER_ILLEGAL');
    expect(fake.sent.filter((m) => m.to === '+8613811114441')).toHaveLength(1);
  });

  it('takes Aliyun delivery receipts and an R reply at the callback URL: delivered, suppressed, consent withdrawn', async () => {
    const set = (await useAliyun()).json();
    const path = new URL(set.callbackUrl).pathname;
    expect(path).toMatch(/^\/hooks\/sms\/aliyun\/[\w-]{32}$/);
    const id = (await api('POST', '/customers', { phone: '13655556666', name: '冯' })).json().customerId;
    await api('POST', `/customers/${id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'granted', source: 'test' });
    const messageId = await queue(id, 'TB-ALI-3');
    await send();
    const hook = (payload: unknown, url = path) =>
      patron.http.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
    const receipt = [
      {
        phone_number: '13655556666',
        send_time: '2026-12-03 12:00:00',
        report_time: '2026-12-03 12:00:05',
        success: true,
        err_code: 'DELIVERED',
        err_msg: '用户接收成功',
        sms_size: '1',
        biz_id: 'x',
        out_id: String(messageId),
      },
    ];
    expect((await hook(receipt)).json()).toEqual({ code: 0, msg: 'ok' });
    expect(await state(messageId)).toMatchObject({ status: 'delivered' });
    expect((await hook(receipt, `${path.slice(0, -4)}abcd`)).statusCode).toBe(404);
    expect((await hook({ not: 'an array' })).statusCode).toBe(400);
    const reply = [
      {
        phone_number: '13655556666',
        send_time: '2026-12-03 12:01:00',
        content: 'R',
        sign_name: '帕特龙',
        dest_code: '1234',
        sequence_id: 1,
      },
    ];
    expect((await hook(reply)).json()).toEqual({ code: 0, msg: 'ok' });
    const consents = (await api('GET', `/customers/${id}/consents`)).json();
    expect(consents.current).toContainEqual(
      expect.objectContaining({ channel: 'sms', purpose: 'marketing', status: 'withdrawn', source: 'aliyun SMS reply' }),
    );
    expect((await api('GET', '/suppressions')).json().items).toContainEqual(
      expect.objectContaining({ channel: 'sms', reason: 'reply R', source: 'aliyun SMS reply' }),
    );
    // Suppressed: not even a transactional message goes to the number any more, until it is removed (audited).
    const after = await queue(id, 'TB-ALI-4');
    await send();
    expect(await state(after)).toMatchObject({ status: 'skipped' });
    expect((await api('POST', '/suppressions/remove', { channel: 'sms', address: '+86 136 5555 6666' })).json()).toEqual({ removed: true });
    expect((await api('POST', '/suppressions/remove', { channel: 'sms', address: '13655556666' })).json()).toEqual({ removed: false });
    const again = await queue(id, 'TB-ALI-5');
    await send();
    expect(await state(again)).toMatchObject({ status: 'sent' });
  });

  it('takes a Tencent status callback by its serial number and settles a message a crash left unknown', async () => {
    await api('PUT', '/settings/messaging/sms', {
      kind: 'tencent',
      accessKeyId: KEYS.tencent.id,
      secret: KEYS.tencent.secret,
      signName: '帕特龙',
      sdkAppId: '1400000000',
      endpoint: fake.endpoint,
    });
    const set = (await api('GET', '/settings/messaging/sms')).json();
    const id = (await api('POST', '/customers', { phone: '13577778888', name: '褚' })).json().customerId;
    const messageId = await queue(id, 'TB-TX-3');
    await send();
    const serial = (await state(messageId)).provider_message_id;
    await patron.ctx.db.updateTable('messages').set({ status: 'unknown' }).where('id', '=', messageId).execute();
    const status = [
      {
        user_receive_time: '2026-12-03 12:00:05',
        nationcode: '86',
        mobile: '13577778888',
        report_status: 'SUCCESS',
        errmsg: 'DELIVRD',
        description: '用户短信接收成功',
        sid: serial,
      },
    ];
    const res = await patron.http.inject({
      method: 'POST',
      url: new URL(set.callbackUrl).pathname,
      payload: JSON.stringify(status),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.json()).toEqual({ result: 0, errmsg: 'ok' });
    expect(await state(messageId)).toMatchObject({ status: 'delivered' });
  });

  it('sends through a signed HTTP gateway: HMAC over timestamp and body, an idempotency key; its receipts and replies come back at its callback URL', async () => {
    const secret = 'gateway-secret-0123456789';
    const got: { headers: IncomingHttpHeaders; body: string }[] = [];
    const gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        const parsed = JSON.parse(body) as { to: string };
        res.setHeader('content-type', 'application/json');
        if (parsed.to.endsWith('0000')) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: 'number not reachable' }));
        } else res.end(JSON.stringify({ id: `gw-${got.length}` }));
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`;
    const noUrl = await api('PUT', '/settings/messaging/sms', { kind: 'http', accessKeyId: 'k1', secret, signName: '帕特龙' });
    expect(noUrl.json().error.code).toBe('SMS_GATEWAY_URL_REQUIRED');
    const set = (
      await api('PUT', '/settings/messaging/sms', { kind: 'http', accessKeyId: 'k1', secret, signName: '帕特龙', endpoint: url })
    ).json();
    expect(set).toMatchObject({ configured: true, kind: 'http', callbackUrl: expect.stringContaining('/hooks/sms/http/') });
    const id = (await api('POST', '/customers', { phone: '13422223333', name: '卫' })).json().customerId;
    const messageId = await queue(id, 'TB-GW-1');
    await send();
    expect(await state(messageId)).toMatchObject({ status: 'sent', provider: 'http', provider_message_id: 'gw-1' });
    const [request] = got;
    const timestamp = String(request.headers['x-patron-timestamp']);
    expect(request.headers['x-patron-signature']).toBe(
      `sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`,
    );
    expect([request.headers['x-patron-key-id'], request.headers['idempotency-key']]).toEqual(['k1', `patron-${messageId}`]);
    expect(JSON.parse(request.body)).toEqual({
      id: messageId,
      channel: 'sms',
      purpose: 'transactional',
      to: '+8613422223333',
      sign: '帕特龙',
      text: '您的订单 TB-GW-1 还未付款，金额 ¥129.00',
      template: { code: 'SMS_4815162342', params: { order: 'TB-GW-1', amount: '¥129.00' } },
    });
    // A 4xx is the gateway's final word: failed, not retried.
    const other = (await api('POST', '/customers', { phone: '13400000000', name: '蒋' })).json().customerId;
    const refused = await queue(other, 'TB-GW-2');
    await send();
    expect(await state(refused)).toMatchObject({ status: 'failed', provider: 'http' });
    const hook = (payload: unknown) =>
      patron.http.inject({
        method: 'POST',
        url: new URL(set.callbackUrl).pathname,
        payload: JSON.stringify(payload),
        headers: { 'content-type': 'application/json' },
      });
    expect(
      (
        await hook([
          { id: String(messageId), status: 'delivered' },
          { from: '+8613422223333', text: '退订' },
        ])
      ).json(),
    ).toEqual({ ok: true, message: 'ok' });
    expect(await state(messageId)).toMatchObject({ status: 'delivered' });
    expect((await api('GET', '/suppressions')).json().items).toContainEqual(
      expect.objectContaining({ channel: 'sms', reason: 'reply 退订', source: 'http SMS reply' }),
    );
    await new Promise<void>((resolve) => gateway.close(() => resolve()));
  });

  it('hands the provider as many messages at once as its settings allow (32 unless set), never more', async () => {
    let inFlight = 0;
    let most = 0;
    const gateway = createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          inFlight--;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ id: randomUUID() }));
        }, 40),
      );
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`;
    const settings = { kind: 'http', accessKeyId: 'k2', secret: 'gateway-secret-abcdefghij', signName: '帕特龙', endpoint };
    expect((await api('PUT', '/settings/messaging/sms', settings)).json().concurrency).toBe(32);
    for (const concurrency of [0, 129, 2.5]) {
      const bad = await api('PUT', '/settings/messaging/sms', { ...settings, concurrency });
      expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await api('PUT', '/settings/messaging/sms', { ...settings, concurrency: 3 })).json().concurrency).toBe(3);
    const ids: number[] = [];
    for (let n = 0; n < 12; n++) {
      const id = (await api('POST', '/customers', { phone: `1357777${1000 + n}`, name: `并${n}` })).json().customerId;
      ids.push(await queue(id, `TB-PAR-${n}`));
    }
    await send();
    await new Promise<void>((resolve) => gateway.close(() => resolve()));
    for (const id of ids) expect(await state(id)).toMatchObject({ status: 'sent', provider: 'http' });
    expect(most).toBe(3);
  });
});
