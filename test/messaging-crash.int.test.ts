import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { createDb, dbOptionsFromConfig } from '../server/db/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { envFor, ownerKey, serve } from './serve-process.ts';
import { receiptTemplate } from './message-templates.ts';

/**
 * The outbox under kill -9 (issue #22): a worker sending 2,000 e-mails to a local SMTP sink is killed at random
 * moments 100 times and restarted. From the sink's own log: no message arrived twice, every message arrived or is
 * marked `unknown`, and there are never more `unknown` than kills.
 */
const MASTER_KEY = 'e2'.repeat(32);
const MESSAGES = 2000;
const KILLS = 100;

const envOf = (dir: string, workers: 'on' | 'off') => envFor(dir, MASTER_KEY, workers, { PATRON_SENDING_LEASE_MS: '1000' });

describe.skipIf(process.env.TEST_DATABASE_URL !== undefined)('kill -9 while sending', () => {
  it('sends every message once or marks it unknown, never twice, with no more unknown than kills', async () => {
    const received = new Map<number, number>();
    const sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        let raw = '';
        stream.on('data', (c: Buffer) => {
          raw += c.toString();
        });
        stream.on('end', () => {
          const id = Number(/^Message-ID:\s*<patron-(\d+)@/im.exec(raw)?.[1]);
          received.set(id, (received.get(id) ?? 0) + 1);
          done();
        });
      },
    });
    // A worker killed mid-conversation resets its connection: expected here, not a failure of the sink.
    sink.on('error', () => undefined);
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const smtpPort = (sink.server.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'patron-outbox-crash-'));
    const key = await ownerKey(envOf(dir, 'off'), 'crash');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    // Set up with the workers off: the SMTP sink (one connection, 20 messages a second), a template, a person, 2,000 messages.
    const setup = await serve(envOf(dir, 'off'));
    const call = (method: string, path: string, body: unknown) =>
      fetch(`${setup.base}/api/v1${path}`, { method, headers, body: JSON.stringify(body) });
    expect(
      (await call('PUT', '/settings/messaging/smtp', { host: '127.0.0.1', port: smtpPort, secure: false, pool: 1, perSecond: 20 })).status,
    ).toBe(200);
    const template = receiptTemplate('receipt');
    expect((await call('PUT', '/message-templates/receipt', template)).status).toBe(200);
    const customerId = (await (await call('POST', '/customers', { email: 'buyer@example.com', name: 'Buyer' })).json()).customerId;
    for (let n = 0; n < MESSAGES; n += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          call('POST', '/messages', {
            key: `receipt-${n + i}`,
            customerId,
            template: 'receipt',
            variables: { order: { id: String(n + i) } },
            sendAt: '2026-01-01T00:00:00Z',
          }),
        ),
      );
    }
    setup.child.kill('SIGTERM');
    await setup.exited;

    // 100 times: a working server, killed with SIGKILL somewhere in its sending.
    for (let k = 0; k < KILLS; k++) {
      const worker = await serve(envOf(dir, 'on'));
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1400));
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    // Then one that finishes the rest.
    const last = await serve(envOf(dir, 'on'));
    const pending = async () => {
      let n = 0;
      for (const status of ['queued', 'sending'])
        n += (await (await fetch(`${last.base}/api/v1/messages?status=${status}&limit=1`, { headers })).json()).total;
      return n;
    };
    for (let i = 0; i < 900 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
    last.child.kill('SIGTERM');
    await last.exited;
    await new Promise<void>((resolve) => sink.close(() => resolve()));

    const h = await createDb(dbOptionsFromConfig(loadConfig({} as NodeJS.ProcessEnv, { dataDir: dir, masterKey: MASTER_KEY })));
    try {
      const rows = await h.db.selectFrom('messages').select(['id', 'status']).execute();
      const byStatus = new Map<string, number[]>();
      for (const r of rows) byStatus.set(r.status, [...(byStatus.get(r.status) ?? []), Number(r.id)]);
      const unknown = byStatus.get('unknown') ?? [];
      const sent = byStatus.get('sent') ?? [];
      const twice = [...received].filter(([, n]) => n > 1).map(([id]) => id);
      const lost = rows.filter((r) => r.status !== 'unknown' && !received.has(Number(r.id))).map((r) => Number(r.id));
      console.log(
        `kill -9 while sending: ${MESSAGES} messages, ${KILLS} kills; ${sent.length} sent, ${unknown.length} unknown (${unknown.filter((id) => received.has(id)).length} of them reached the sink); sink received ${received.size} distinct, ${twice.length} twice; ${lost.length} lost`,
      );
      expect(rows).toHaveLength(MESSAGES);
      expect([...byStatus.keys()].filter((s) => s !== 'sent' && s !== 'unknown')).toEqual([]);
      expect(twice).toEqual([]);
      expect(lost).toEqual([]);
      expect(unknown.length).toBeLessThanOrEqual(KILLS);
    } finally {
      await h.close();
    }
  }, 1_200_000);
});
