import type { AddressInfo } from 'node:net';
import hoodiecrow from 'hoodiecrow-imap';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { pollImap } from './imap.ts';

/** A message as a mail server stores it: 7-bit (encoded words, base64 body), as the in-memory server counts characters. */
const b64 = (s: string) => Buffer.from(s).toString('base64');
const mail = (id: string, subject: string, body: string) =>
  [
    `From: =?UTF-8?B?${b64('周杰')}?= <zhou.jie@example.com>`,
    'To: help@shop.example.com',
    `Subject: =?UTF-8?B?${b64(subject)}?=`,
    `Message-ID: <${id}@mail.example.com>`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64(body),
  ].join('\r\n');

describe('support mailbox over IMAP', () => {
  let patron: Patron;
  let owner: Session;
  let imap: ReturnType<typeof hoodiecrow>;
  let port: number;
  const api = apiAs(
    () => patron,
    () => owner,
  );

  beforeAll(async () => {
    imap = hoodiecrow({
      plugins: ['ID', 'IDLE', 'UNSELECT', 'ENABLE', 'NAMESPACE', 'SPECIAL-USE'],
      storage: {
        INBOX: {
          messages: [
            { raw: mail('imap-1', '退款进度', '退款什么时候到账？') },
            { raw: mail('imap-2', '发票', '需要发票'), flags: ['\\Seen'] },
          ],
        },
      },
    });
    await new Promise<void>((resolve) => imap.listen(0, '127.0.0.1', resolve));
    port = (imap.server.address() as AddressInfo).port;
    patron = await startTestPatron();
    owner = await signIn(patron);
  });
  afterAll(async () => {
    await patron.close();
    await new Promise<void>((resolve) => imap.close(resolve));
  });

  it('keeps the password out of every answer and takes unseen mail as tickets once, marking it seen', async () => {
    const saved = await api('PUT', '/service/imap', {
      enabled: true,
      host: '127.0.0.1',
      port,
      secure: false,
      user: 'testuser',
      password: 'testpass',
      intervalSeconds: 15,
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ configured: true, hasPassword: true, mailbox: 'INBOX' });
    expect(saved.body).not.toContain('testpass');
    expect(
      JSON.stringify(await patron.ctx.db.selectFrom('settings').select('value').where('key', '=', 'service.imap').execute()),
    ).not.toContain('testpass');

    expect(await pollImap(patron.ctx)).toBe(1);
    const tickets = await patron.ctx.db.selectFrom('tickets').select(['id', 'subject', 'channel']).execute();
    expect(tickets).toMatchObject([{ subject: '退款进度', channel: 'email' }]);
    // Not due again within the interval; when due, nothing unseen is left.
    expect(await pollImap(patron.ctx)).toBe(0);
    expect(await pollImap({ ...patron.ctx, clock: { now: () => new Date(Date.now() + 16_000) } })).toBe(0);
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: 'testuser', pass: 'testpass' }, logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    expect(await client.search({ seen: false })).toEqual([]);
    lock.release();
    await client.logout();
    expect((await api('GET', '/service/imap')).json()).toMatchObject({ lastError: null });
  });
});
