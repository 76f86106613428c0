import { generateKeyPairSync } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, as, signIn, startTestPatron } from '../../../test/app.ts';
import { receiptTemplate } from '../../../test/message-templates.ts';
import { type SmtpSink, startSmtpSink } from '../../../test/smtp-sink.ts';
import type { Patron } from '../../app.ts';
import { closeTransports } from './providers.ts';
import { sendDue } from './sender.ts';

/** 10:00 on 3 December 2026 in Shanghai (the store's time zone). */
const MORNING = new Date('2026-12-03T02:00:00Z');
const at = (iso: string) => new Date(iso);

describe('messaging', () => {
  let patron: Patron;
  let owner: Session;
  let smtp: SmtpSink;
  let mails: string[] = [];
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    patron.http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(owner),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const send = (now: Date) => sendDue({ ...patron.ctx, clock: { now: () => now } });
  const message = async (id: number) =>
    await patron.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const person = async (body: Record<string, unknown>) => (await api('POST', '/customers', body)).json().customerId as number;
  const consent = (id: number, channel: 'email' | 'sms', status: 'granted' | 'withdrawn') =>
    api('POST', `/customers/${id}/consents`, { channel, purpose: 'marketing', status, source: 'test' });
  const queue = async (key: string, customerId: number, template: string, variables: Record<string, unknown> = {}) => {
    // Due from long before any of the test's clocks (the server's own clock queues at the wall clock).
    const res = await api('POST', '/messages', { key, customerId, template, variables, sendAt: '2026-01-01T00:00:00Z' });
    expect(res.statusCode).toBe(200);
    return res.json().messageId as number;
  };

  beforeAll(async () => {
    smtp = await startSmtpSink({ auth: { user: 'mailer', pass: 'smtp-secret-pass' } });
    mails = smtp.mails;
    patron = await startTestPatron({ publicUrl: 'https://crm.example.com' });
    owner = await signIn(patron);
    const port = smtp.port;
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const dkim = { domainName: 'example.com', keySelector: 'patron', privateKey };
    const smtpSet = await api('PUT', '/settings/messaging/smtp', {
      host: '127.0.0.1',
      port,
      secure: false,
      user: 'mailer',
      password: 'smtp-secret-pass',
      pool: 1,
      dkim,
    });
    expect(smtpSet.json()).toMatchObject({
      configured: true,
      hasPassword: true,
      dkim: { domainName: 'example.com', keySelector: 'patron' },
    });
    expect(smtpSet.body).not.toContain('PRIVATE KEY');
    const rules = (await api('GET', '/settings/messaging')).json();
    expect(
      (await api('PUT', '/settings/messaging', { ...rules, smsSignature: '帕特龙', emailFrom: 'Patron Shop <shop@example.com>' }))
        .statusCode,
    ).toBe(200);
    const templates = [
      {
        key: 'welcome',
        name: 'Welcome',
        channel: 'email',
        purpose: 'marketing',
        subject: { 'zh-CN': '{{ customer.first_name }}，欢迎回来', en: 'Welcome back, {{ customer.first_name }}' },
        body: {
          'zh-CN':
            '<style>p { color: #333 }</style><p>{{ customer.name }}，送您 {{ coupon.amount | money }} 优惠券 <a href="https://shop.example.com/c">领取</a></p>',
          en: '<p>{{ customer.name }}: {{ coupon.amount | money }} off</p>',
        },
      },
      {
        key: 'order-unpaid',
        name: '催付',
        channel: 'sms',
        purpose: 'transactional',
        body: {
          'zh-CN': '您的订单 {{ order.id }} 还未付款，金额 {{ order.total | money }}',
          en: 'Order {{ order.id }} is unpaid: {{ order.total | money }}',
        },
        quietHours: false,
      },
      {
        key: 'sale-sms',
        name: 'Sale',
        channel: 'sms',
        purpose: 'marketing',
        body: { 'zh-CN': '双十二全场八折', en: '20% off everything' },
      },
    ];
    for (const t of templates) expect((await api('PUT', `/message-templates/${t.key}`, t)).statusCode).toBe(200);
  });
  afterAll(async () => {
    closeTransports();
    await patron.close();
    await smtp.close();
  });

  it('sends a marketing e-mail over SMTP with one-click unsubscribe (RFC 8058), and the link withdraws consent', async () => {
    const id = await person({ email: 'li@example.com', name: '李强', locale: 'zh-CN' });
    await consent(id, 'email', 'granted');
    const messageId = await queue(`welcome:${id}`, id, 'welcome', { coupon: { amount: 2000 } });
    expect(await send(MORNING)).toBe(1);
    expect(await message(messageId)).toMatchObject({ status: 'sent', provider: 'smtp', attempts: 1 });
    expect(mails).toHaveLength(1);
    const mail = await simpleParser(mails[0]);
    expect(mail.subject).toBe('李强，欢迎回来');
    expect(mail.from?.text).toContain('shop@example.com');
    expect(mail.html).toContain('¥20.00');
    // The style sheet inlined (mail clients drop <style>).
    expect(mail.html).toContain('<p style="color: #333;">');
    // The link is a signed short link on Patron's own address; the open pixel is there; both are timeline events.
    const short = /href="https:\/\/crm\.example\.com(\/l\/[^"]+)"/.exec(String(mail.html))![1];
    const click = await patron.http.inject({
      method: 'GET',
      url: short,
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148' },
    });
    expect([click.statusCode, click.headers.location]).toEqual([302, 'https://shop.example.com/c']);
    expect((await patron.http.inject({ method: 'GET', url: `${short.slice(0, -2)}zz` })).statusCode).toBe(404);
    const pixel = /src="https:\/\/crm\.example\.com(\/o\/[^"]+)"/.exec(String(mail.html))![1];
    const open = await patron.http.inject({
      method: 'GET',
      url: pixel,
      headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
    });
    expect([open.statusCode, open.headers['content-type']]).toEqual([200, 'image/gif']);
    const timeline = await patron.ctx.db
      .selectFrom('events')
      .select(['name', 'properties'])
      .where('customer_id', '=', id)
      .orderBy('id')
      .execute();
    expect(timeline.map((e) => [e.name, (e.properties as { machine?: boolean }).machine ?? null])).toEqual([
      ['Message Clicked', false],
      ['Message Opened', true],
    ]);
    const header = (name: string) =>
      mail.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/^[^:]+:\s*/, '')
        .replace(/\r?\n\s+/g, ' ');
    const unsubscribe = String(header('list-unsubscribe'));
    expect(unsubscribe).toMatch(
      /^<https:\/\/crm\.example\.com\/u\/[\w-]+\.[\w-]+>, <mailto:unsubscribe@example\.com\?subject=unsubscribe>$/,
    );
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header('dkim-signature')).toMatch(/d=example\.com; .*s=patron/);
    const path = /https:\/\/crm\.example\.com(\/u\/[^>]+)>/.exec(unsubscribe)![1];
    const forged = await patron.http.inject({
      method: 'POST',
      url: `${path.slice(0, -3)}abc`,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.statusCode).toBe(404);
    const page = await patron.http.inject({ method: 'GET', url: path });
    expect([page.statusCode, page.body.includes('<form method="post">')]).toEqual([200, true]);
    const oneClick = await patron.http.inject({
      method: 'POST',
      url: path,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.statusCode).toBe(200);
    const consents = (await api('GET', `/customers/${id}/consents`)).json();
    expect(consents.current).toContainEqual(
      expect.objectContaining({ channel: 'email', purpose: 'marketing', status: 'withdrawn', source: 'unsubscribe link' }),
    );
    expect(consents.ledger[0].evidence).toContain('one-click (RFC 8058)');
    // The page also holds the person's preferences per channel: marketing SMS chosen, e-mail left off.
    const prefsPage = (await patron.http.inject({ method: 'GET', url: path, headers: { 'accept-language': 'en' } })).body;
    expect(prefsPage).toContain('name="email">Offers and news (marketing e-mail)');
    expect(prefsPage).toContain('Order, delivery and after-sales notices still come');
    const saved = await patron.http.inject({
      method: 'POST',
      url: path,
      payload: 'prefs=1&sms=on',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(saved.statusCode).toBe(200);
    const after = (await api('GET', `/customers/${id}/consents`)).json().current;
    expect(after).toContainEqual(
      expect.objectContaining({ channel: 'sms', purpose: 'marketing', status: 'granted', source: 'preference page' }),
    );
    expect(after).toContainEqual(
      expect.objectContaining({ channel: 'email', purpose: 'marketing', status: 'withdrawn', source: 'unsubscribe link' }),
    );
    // The next marketing e-mail is not sent.
    const next = await queue(`welcome-2:${id}`, id, 'welcome', { coupon: { amount: 1000 } });
    await send(at('2026-12-05T02:00:00Z'));
    expect(await message(next)).toMatchObject({ status: 'skipped', skip_reason: 'no_consent' });
  });

  it('decides consent when sending, not when queueing', async () => {
    const id = await person({ email: 'wang@example.com', name: '王芳' });
    await consent(id, 'email', 'granted');
    const messageId = await queue(`welcome:${id}`, id, 'welcome', { coupon: { amount: 500 } });
    await consent(id, 'email', 'withdrawn');
    await send(MORNING);
    expect(await message(messageId)).toMatchObject({ status: 'skipped', skip_reason: 'no_consent', sent_at: null });
  });

  it('moves marketing out of quiet hours in the customer’s time zone, and keeps the budget across channels', async () => {
    const id = await person({ email: 'zhao@example.com', phone: '13912345678', name: '赵敏' });
    await consent(id, 'email', 'granted');
    await consent(id, 'sms', 'granted');
    const late = await queue(`sale:${id}`, id, 'sale-sms');
    // 22:30 in Shanghai: rescheduled to 08:00 the next morning, never dropped.
    await send(at('2026-12-03T14:30:00Z'));
    expect(await message(late)).toMatchObject({ status: 'queued', not_before: at('2026-12-04T00:00:00Z') });
    expect((await message(late)).rescheduled_from).not.toBeNull();
    expect(await send(at('2026-12-03T20:00:00Z'))).toBe(0);
    await send(at('2026-12-04T00:00:00Z'));
    const sent = await message(late);
    expect(sent).toMatchObject({ status: 'sent', provider: 'sandbox' });
    // The day's marketing budget (1) is spent: an e-mail the same day is skipped.
    const mail = await queue(`welcome:${id}`, id, 'welcome', { coupon: { amount: 500 } });
    await send(at('2026-12-04T03:00:00Z'));
    expect(await message(mail)).toMatchObject({ status: 'skipped', skip_reason: 'cap' });
    const shown = (await api('GET', '/messages?provider=sandbox&reveal=true')).json();
    const sms = shown.items.find((m: { id: number }) => m.id === late);
    expect(sms.rendered).toMatchObject({
      to: '+8613912345678',
      text: '【帕特龙】双十二全场八折 拒收请回复R',
      sms: { parts: 1, encoding: 'ucs2' },
    });
    const masked = (await api('GET', '/messages?provider=sandbox')).json().items.find((m: { id: number }) => m.id === late);
    expect(masked.rendered.to).not.toContain('12345678');
    // A reveal is a view of this person's personal data: audited as the 360's own is, per person on the page.
    const reveals = await patron.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'customer.reveal_pii')
      .where('target_id', '=', String(id))
      .execute();
    expect(reveals.map((r) => (r.details as { via: string; messageIds: number[] }).messageIds)).toContainEqual(
      expect.arrayContaining([late]),
    );
    // A preview against this person shows the address masked unless revealed, and the reveal is audited.
    const template = {
      key: 'reveal-check',
      name: 'p',
      channel: 'sms',
      purpose: 'transactional',
      body: { 'zh-CN': '发往 {{ customer.phone }}', en: 'x' },
    };
    const quiet = (await api('POST', '/message-templates/preview', { template, customerId: id })).json();
    expect([quiet.to, quiet.text].join()).not.toContain('12345678');
    const open = (await api('POST', '/message-templates/preview', { template, customerId: id, reveal: true })).json();
    expect([open.to, open.text]).toEqual(['+8613912345678', '【帕特龙】发往 +8613912345678']);
    const after = await patron.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'customer.reveal_pii')
      .where('target_id', '=', String(id))
      .execute();
    expect(after.map((r) => (r.details as { via: string }).via)).toContain('message_preview');
    // The customer 360 lists what was sent and what was not, and why.
    const panel = (await api('GET', `/customers/${id}/panels`)).json().items.find((p: { key: string }) => p.key === 'messages');
    expect(
      panel.rows.map((r: { status: string; note: string | null; rescheduledTo: string | null }) => [r.status, r.note, r.rescheduledTo]),
    ).toEqual([
      ['skipped', 'cap', null],
      ['sent', 'quiet_hours', '2026-12-04T00:00:00.000Z'],
    ]);
  });

  it('sends a transactional SMS at night when its template allows, once per key, with no marketing suffix', async () => {
    const id = await person({ phone: '13700001111', name: '陈' });
    const body = {
      key: `unpaid:TB1:${id}`,
      customerId: id,
      template: 'order-unpaid',
      variables: { order: { id: 'TB1', total: 39800 } },
      sendAt: '2026-01-01T00:00:00Z',
    };
    const first = await api('POST', '/messages', body);
    const again = await api('POST', '/messages', body);
    expect([first.json().created, again.json().created, again.json().messageId]).toEqual([true, false, first.json().messageId]);
    await send(at('2026-12-03T15:00:00Z')); // 23:00 local
    const m = (await api('GET', `/messages?customerId=${id}&reveal=true`)).json().items;
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({
      status: 'sent',
      purpose: 'transactional',
      rendered: { text: '【帕特龙】您的订单 TB1 还未付款，金额 ¥398.00' },
    });
  });

  it('refuses bad input with a code: a template that does not render, an unknown template, a customer without a contact', async () => {
    const bad = await api('PUT', '/message-templates/broken', {
      key: 'broken',
      name: 'x',
      channel: 'sms',
      purpose: 'marketing',
      body: { 'zh-CN': '{{ customer.nickname }}', en: 'x' },
    });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'TEMPLATE_INVALID']);
    const syntax = await api('PUT', '/message-templates/broken', {
      key: 'broken',
      name: 'x',
      channel: 'sms',
      purpose: 'marketing',
      body: { 'zh-CN': '{% if %}', en: 'x' },
    });
    expect(syntax.json().error.code).toBe('TEMPLATE_INVALID');
    const noSubject = await api('PUT', '/message-templates/broken', {
      key: 'broken',
      name: 'x',
      channel: 'email',
      purpose: 'marketing',
      body: { 'zh-CN': 'x', en: 'x' },
    });
    expect(noSubject.json().error.code).toBe('TEMPLATE_INVALID');
    const id = await person({ email: 'nophone@example.com' });
    expect((await api('POST', '/messages', { key: 'k1', customerId: id, template: 'nope' })).json().error.code).toBe('TEMPLATE_NOT_FOUND');
    const sms = await queue(`unpaid:${id}`, id, 'order-unpaid', { order: { id: 'X', total: 1 } });
    await send(MORNING);
    expect(await message(sms)).toMatchObject({ status: 'skipped', skip_reason: 'no_contact' });
    const preview = await api('POST', '/message-templates/preview', {
      template: {
        key: 'preview',
        name: 'p',
        channel: 'sms',
        purpose: 'marketing',
        body: { 'zh-CN': '{{ customer.name }} 你好'.repeat(15), en: 'x' },
      },
    });
    expect(preview.json()).toMatchObject({ sms: { encoding: 'ucs2', parts: 2 } });
    expect(preview.json().text).toMatch(/^【帕特龙】李强 你好/);
  });

  it('sends a test of a template to a staff address through the configured server, now, with no consent to ask', async () => {
    const template = {
      key: 'staff-test',
      name: 'test',
      channel: 'email',
      purpose: 'marketing',
      subject: { 'zh-CN': '{{ customer.name }}，测试', en: 'Test' },
      body: { 'zh-CN': '<p>你好 {{ customer.name }}</p>', en: '<p>Hi</p>' },
    };
    const before = mails.length;
    const sent = await api('POST', '/message-templates/test-send', { template, to: ' Staff@Example.com ' });
    expect(sent.json()).toMatchObject({ status: 'sent', provider: 'smtp', error: null });
    expect(mails).toHaveLength(before + 1);
    const mail = await simpleParser(mails[before]);
    expect([mail.to && 'text' in mail.to ? mail.to.text : null, mail.subject]).toEqual(['staff@example.com', '李强，测试']);
    // An outbox row with no customer: the sandbox inbox and the provider's receipts find it like any other.
    expect(await message(sent.json().messageId)).toMatchObject({ customer_id: null, status: 'sent', purpose: 'marketing' });
    const bad = await api('POST', '/message-templates/test-send', { template, to: 'not an address' });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'TEST_ADDRESS_INVALID']);
  });

  it('keeps the SMTP password out of every answer', async () => {
    const res = await api('GET', '/settings/messaging/smtp');
    expect(res.body).not.toContain('smtp-secret-pass');
    // The audit log records that the password was set, not its ciphertext.
    const audit = await patron.ctx.db
      .selectFrom('audit_log')
      .select('after')
      .where('target_id', '=', 'messaging.smtp')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.after).toMatchObject({ passwordEnc: '(encrypted, changed)', dkim: { privateKeyEnc: '(encrypted, changed)' } });
    expect(res.json()).toMatchObject({ configured: true, user: 'mailer', hasPassword: true });
  });

  it('after a crash, sends again what never reached the provider and marks unknown what may have', async () => {
    const id = await person({ phone: '13722223333', name: '卫' });
    const body = (key: string) => ({
      key,
      customerId: id,
      template: 'order-unpaid',
      variables: { order: { id: key, total: 100 } },
      sendAt: '2026-01-01T00:00:00Z',
    });
    const never = (await api('POST', '/messages', body('crash-1'))).json().messageId;
    const maybe = (await api('POST', '/messages', body('crash-2'))).json().messageId;
    // As a worker killed after claiming both and handing only the second to an SMS gateway leaves them.
    const claimedAt = new Date('2026-12-03T04:00:00Z');
    await patron.ctx.db
      .updateTable('messages')
      .set({ status: 'sending', provider: 'aliyun', updated_at: claimedAt })
      .where('id', 'in', [never, maybe])
      .execute();
    await patron.ctx.db.updateTable('messages').set({ handed_at: claimedAt }).where('id', '=', maybe).execute();
    // Within the lease nothing is touched (the worker may still be at it).
    await send(new Date(claimedAt.getTime() + 60_000));
    expect((await message(never)).status).toBe('sending');
    await send(new Date(claimedAt.getTime() + 301_000));
    expect(await message(never)).toMatchObject({ status: 'sent', provider: 'sandbox' });
    expect(await message(maybe)).toMatchObject({ status: 'unknown', sent_at: null });
  });

  it('does not send what a worker claimed once its lease has run out and another worker took it: each message goes once', async () => {
    const receipt = receiptTemplate('lease-receipt');
    expect((await api('PUT', '/message-templates/lease-receipt', receipt)).statusCode).toBe(200);
    const id = await person({ email: 'lease@example.com', name: 'Lease' });
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, n) => queue(`lease-${n}`, id, 'lease-receipt', { order: { id: `L${n}` } })),
    );
    const before = mails.length;
    // Worker A claims all 30 and sends them one at a time over the pool's one connection (each DKIM-signed) …
    const first = send(MORNING);
    const sent = async () =>
      (await patron.ctx.db.selectFrom('messages').select('id').where('id', 'in', ids).where('status', '=', 'sent').execute()).length;
    while ((await sent()) === 0) await new Promise((r) => setTimeout(r, 5));
    // … while worker B, whose clock is past A's lease, puts back in line what A has not handed over yet and claims it.
    const second = send(new Date(MORNING.getTime() + patron.ctx.config.sendingLeaseMs + 1000));
    await Promise.all([first, second]);
    const rows = await patron.ctx.db.selectFrom('messages').select(['id', 'status']).where('id', 'in', ids).execute();
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'sent'));
    const received = mails.slice(before).map((m) => Number(/^Message-ID:\s*<patron-(\d+)@/im.exec(m)?.[1]));
    expect(received.toSorted((a, b) => a - b)).toEqual(ids.toSorted((a, b) => a - b));
  });
});
