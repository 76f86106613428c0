import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, as, signIn, startTestPatron } from '../../../test/app.ts';
import { arf, dsn } from '../../../test/returned-mail.ts';
import { type SmtpSink, freePort, startSmtpSink } from '../../../test/smtp-sink.ts';
import type { Patron } from '../../app.ts';
import { closeTransports } from './providers.ts';
import { sendDue } from './sender.ts';

const MORNING = new Date('2026-12-03T02:00:00Z');

describe('returned mail', () => {
  let patron: Patron;
  let owner: Session;
  let sink: SmtpSink;
  let bouncePort: number;
  let mails: string[] = [];
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    patron.http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(owner),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const status = async (id: number) =>
    (await patron.ctx.db.selectFrom('messages').select(['status', 'error']).where('id', '=', id).executeTakeFirstOrThrow()) as {
      status: string;
      error: string | null;
    };

  /** A consenting person sent one marketing e-mail through the sink; returns the person, the outbox row and its Message-ID. */
  async function mailed(email: string) {
    const id = (await api('POST', '/customers', { email, name: '收件人' })).json().customerId as number;
    await api('POST', `/customers/${id}/consents`, { channel: 'email', purpose: 'marketing', status: 'granted', source: 'test' });
    const queued = await api('POST', '/messages', {
      key: `bounce:${id}`,
      customerId: id,
      template: 'sale',
      sendAt: '2026-01-01T00:00:00Z',
    });
    const before = mails.length;
    await sendDue({ ...patron.ctx, clock: { now: () => MORNING } });
    expect(mails).toHaveLength(before + 1);
    const header = (await simpleParser(mails[before])).messageId!;
    return { id, messageId: queued.json().messageId as number, header };
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    mails = sink.mails;
    bouncePort = await freePort();
    patron = await startTestPatron({ publicUrl: 'https://crm.example.com', bounceSmtpPort: bouncePort, host: '127.0.0.1' });
    owner = await signIn(patron);
    await api('PUT', '/settings/messaging/smtp', {
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      pool: 1,
    });
    const template = {
      key: 'sale',
      name: 'Sale',
      channel: 'email',
      purpose: 'marketing',
      subject: { 'zh-CN': '大促', en: 'Sale' },
      body: { 'zh-CN': '<p>全场八折</p>', en: '<p>20% off</p>' },
    };
    expect((await api('PUT', '/message-templates/sale', template)).statusCode).toBe(200);
  });
  afterAll(async () => {
    closeTransports();
    await patron.close();
    await sink.close();
  });

  it('takes a DSN at the bounce URL: the message is bounced with the reason and the address suppressed; a delay changes nothing', async () => {
    const gone = await mailed('gone@example.com');
    const smtp = (await api('GET', '/settings/messaging/smtp')).json();
    const path = new URL(smtp.bounceUrl).pathname;
    expect(smtp.bounceSmtpPort).toBe(bouncePort);
    const forged = await patron.http.inject({
      method: 'POST',
      url: `${path.slice(0, -4)}0000`,
      payload: 'x',
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(forged.statusCode).toBe(404);
    const delayed = dsn({ messageId: gone.header, recipients: [{ address: 'gone@example.com', action: 'delayed', status: '4.4.1' }] });
    await patron.http.inject({ method: 'POST', url: path, payload: delayed, headers: { 'content-type': 'message/rfc822' } });
    expect((await status(gone.messageId)).status).toBe('sent');
    const failed = dsn({
      messageId: gone.header,
      recipients: [{ address: 'gone@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown' }],
    });
    const res = await patron.http.inject({ method: 'POST', url: path, payload: failed, headers: { 'content-type': 'message/rfc822' } });
    expect(res.json()).toMatchObject({ ok: true, found: 1, applied: 1 });
    expect(await status(gone.messageId)).toEqual({
      status: 'bounced',
      error: '5.1.1 smtp; 550 5.1.1 User unknown (in reply to RCPT TO command)',
    });
    const suppressed = (await api('GET', '/suppressions')).json().items;
    expect(suppressed).toContainEqual(expect.objectContaining({ channel: 'email', address: 'g***@example.com', reason: 'bounce 5.1.1' }));
    // The next message to the address is not sent.
    const again = await api('POST', '/messages', {
      key: `again:${gone.id}`,
      customerId: gone.id,
      template: 'sale',
      sendAt: '2026-01-01T00:00:00Z',
    });
    await sendDue({ ...patron.ctx, clock: { now: () => new Date('2026-12-05T02:00:00Z') } });
    expect(await status(again.json().messageId)).toMatchObject({ status: 'skipped' });
  });

  it('receives a complaint over SMTP: the address suppressed, the marketing e-mail consent withdrawn with the report as evidence', async () => {
    const annoyed = await mailed('annoyed@example.com');
    const transport = createTransport({ host: '127.0.0.1', port: bouncePort, secure: false, ignoreTLS: true });
    await transport.sendMail({
      envelope: { from: 'feedback@fbl.example.org', to: ['bounces@shop.example.com'] },
      raw: arf({ messageId: annoyed.header, recipient: 'annoyed@example.com' }),
    });
    transport.close();
    const consents = (await api('GET', `/customers/${annoyed.id}/consents`)).json();
    expect(consents.current).toContainEqual(
      expect.objectContaining({ channel: 'email', purpose: 'marketing', status: 'withdrawn', source: 'returned mail (SMTP)' }),
    );
    expect(consents.ledger[0].evidence).toContain('feedback report: abuse');
    const suppressed = (await api('GET', '/suppressions')).json().items;
    expect(suppressed).toContainEqual(expect.objectContaining({ address: 'a***@example.com', reason: 'complaint' }));
  });

  it('answers ordinary mail at the bounce URL with nothing to do, and an empty body with a 400', async () => {
    const path = new URL((await api('GET', '/settings/messaging/smtp')).json().bounceUrl).pathname;
    const ooo = await patron.http.inject({
      method: 'POST',
      url: path,
      payload: 'From: a@example.com\r\nSubject: Out of office\r\n\r\nBack on Monday.\r\n',
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(ooo.json()).toMatchObject({ ok: true, found: 0, applied: 0 });
    const empty = await patron.http.inject({ method: 'POST', url: path, headers: { 'content-type': 'message/rfc822' } });
    expect(empty.statusCode).toBe(400);
  });
});
