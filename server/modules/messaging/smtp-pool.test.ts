import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../../../test/smtp-sink.ts';
import { composeMime } from './mime.ts';
import { type SmtpError, SmtpPool } from './smtp-pool.ts';

const mail = (n: number, to = `buyer${n}@example.com`) =>
  composeMime({
    from: '"帕特龙 Shop" <shop@example.com>',
    to,
    subject: `订单 B${n} 已发货`,
    html: `<p>订单 B${n}</p>`,
    text: `订单 B${n}`,
    headers: {},
    messageId: `<patron-${n}@example.com>`,
    date: new Date('2026-12-05T06:00:00Z'),
  });

const options = (port: number, o: Partial<ConstructorParameters<typeof SmtpPool>[0]> = {}) => ({
  host: '127.0.0.1',
  port,
  secure: false,
  auth: null,
  connections: 2,
  perSecond: null,
  dkim: null,
  rejectUnauthorized: false,
  ...o,
});

describe('composeMime', () => {
  it('builds a message mail readers parse back: encoded names and subject, folded headers, text and HTML parts', async () => {
    const long = `<https://patron.example.com/u/${'a'.repeat(30)}>, <mailto:unsubscribe@example.com?subject=unsubscribe>`;
    const m = composeMime({
      from: '"帕特龙 商店" <shop@例子.中国>',
      to: "Bob O'Neil, Jr. <bob@example.com>",
      subject: `订单 B123 已发货，${'很长的主题'.repeat(12)} and ascii`,
      html: '<p>你好 <a href="https://shop.example.com/o/1">订单</a></p>',
      text: '你好\n第二行',
      headers: { 'List-Unsubscribe': long, 'In-Reply-To': '<t-1@example.com>' },
      messageId: '<patron-7@example.com>',
      date: new Date('2026-12-05T06:00:00Z'),
    });
    expect(m.envelope).toEqual({ from: 'shop@xn--fsqu00a.xn--fiqs8s', to: ['bob@example.com'] });
    const source = m.source.toString();
    // Every header line within 78 characters, continuation lines start with white space.
    const head = source.slice(0, source.indexOf('\r\n\r\n')).split('\r\n');
    expect(head.every((l) => l.length <= 78)).toBe(true);
    const parsed = await simpleParser(m.source);
    expect(parsed.subject).toBe(`订单 B123 已发货，${'很长的主题'.repeat(12)} and ascii`);
    expect(parsed.from?.value[0]).toMatchObject({ name: '帕特龙 商店', address: 'shop@例子.中国' });
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]).toMatchObject({
      name: "Bob O'Neil, Jr.",
      address: 'bob@example.com',
    });
    expect(parsed.text).toBe('你好\n第二行');
    expect(parsed.html).toBe('<p>你好 <a href="https://shop.example.com/o/1">订单</a></p>');
    expect(parsed.messageId).toBe('<patron-7@example.com>');
    expect(parsed.inReplyTo).toBe('<t-1@example.com>');
    const unsubscribe = parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    expect(unsubscribe.replace(/\r\n /g, ' ')).toBe(`List-Unsubscribe: ${long}`);
    expect(parsed.date?.toISOString()).toBe('2026-12-05T06:00:00.000Z');
  });

  it('sends a text-only message as a single part', async () => {
    const m = composeMime({
      ...{ from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'plain', headers: {} },
      html: null,
      messageId: '<p-1@example.com>',
      date: new Date(),
    });
    const parsed = await simpleParser(m.source);
    expect(parsed.text).toBe('plain');
    expect(parsed.html).toBe(false);
    expect(m.source.toString()).not.toContain('multipart');
  });
});

describe('SmtpPool', () => {
  let sink: SmtpSink;
  let pool: SmtpPool | null = null;
  afterEach(async () => {
    pool?.close();
    await sink?.close();
  });

  it('sends over a few reused connections, logged in', async () => {
    sink = await startSmtpSink({ auth: { user: 'patron', pass: 's3cret' } });
    pool = new SmtpPool(options(sink.port, { auth: { user: 'patron', pass: 's3cret' } }));
    const p = pool;
    await Promise.all(Array.from({ length: 20 }, (_, n) => mail(n)).map((m) => p.send(m.envelope, m.source)));
    expect(sink.mails).toHaveLength(20);
    const ids = await Promise.all(sink.mails.map(async (raw) => (await simpleParser(raw)).messageId));
    expect(new Set(ids).size).toBe(20);
  });

  it('holds the final dot until the hand-over is recorded, and sends nothing when recording fails', async () => {
    sink = await startSmtpSink();
    pool = new SmtpPool(options(sink.port, { connections: 1 }));
    let record: () => void = () => undefined;
    const handedOver = new Promise<void>((resolve) => {
      record = resolve;
    });
    const first = mail(1);
    const sent = pool.send(first.envelope, first.source, handedOver);
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.mails).toHaveLength(0);
    record();
    await sent;
    expect(sink.mails).toHaveLength(1);

    const second = mail(2);
    await expect(pool.send(second.envelope, second.source, Promise.reject(new Error('the outbox is unreachable')))).rejects.toThrow();
    // The unfinished DATA went with its connection; the pool opens another for the next message.
    const third = mail(3);
    await pool.send(third.envelope, third.source);
    const ids = await Promise.all(sink.mails.map(async (raw) => (await simpleParser(raw)).messageId));
    expect(ids).toEqual(['<patron-1@example.com>', '<patron-3@example.com>']);
  });

  it('reports a refused recipient with the server code and keeps the connection usable', async () => {
    sink = await startSmtpSink({ refuse: ['gone@example.com'] });
    pool = new SmtpPool(options(sink.port, { connections: 1 }));
    const bad = mail(1, 'gone@example.com');
    const error = (await pool.send(bad.envelope, bad.source).catch((e: SmtpError) => e)) as SmtpError;
    expect(error.responseCode).toBe(550);
    // Refused before its hand-over failed: the late failure goes nowhere, and the pool carries on.
    const late = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('the outbox is unreachable')), 100));
    expect(((await pool.send(bad.envelope, bad.source, late).catch((e: SmtpError) => e)) as SmtpError).responseCode).toBe(550);
    await late.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    const good = mail(2);
    await pool.send(good.envelope, good.source);
    expect(sink.mails).toHaveLength(1);
  });
});
