import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb, dbOptionsFromConfig, migrateToLatest } from '../server/db/index.ts';
import { loadConfig } from '../server/platform/config.ts';

/**
 * kill -9 where it hurts, on the embedded database: the server during a tracking load (every event answered 200 is
 * stored, none twice), and `patron import` mid-file (run again, the counts are exact). The figures are printed.
 */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'patron.mjs');
const MASTER_KEY = 'd1'.repeat(32);
const envFor = (dir: string) => ({
  ...process.env,
  PATRON_LOG_LEVEL: 'silent',
  PATRON_DATA_DIR: dir,
  DATABASE_URL: '',
  PATRON_MASTER_KEY: MASTER_KEY,
  PATRON_WORKERS: 'off',
});

async function startServer(
  dir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; base: string; exited: Promise<unknown> }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--port', String(port)], {
    env: { ...envFor(dir), PATRON_HOST: '127.0.0.1', ...env },
  });
  const exited = once(child, 'exit');
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  for (let i = 0; i < 600 && !out.includes('Patron is running'); i++) await new Promise((r) => setTimeout(r, 100));
  if (!out.includes('Patron is running')) throw new Error(`the server did not start: ${out}`);
  return { child, base: `http://127.0.0.1:${port}`, exited };
}

/** An orders CSV of `rows` one-line orders (ids `<prefix>1`…), the same mapping for the CLI and the web import. */
function ordersCsv(prefix: string, rows: number): string {
  const lines = ['order,customer,date,sku,qty,price'];
  for (let i = 1; i <= rows; i++)
    lines.push(`${prefix}${i},${prefix.toLowerCase()}${i % 4000},2026-01-${String((i % 28) + 1).padStart(2, '0')} 10:00,S${i % 50},1,9.90`);
  return `${lines.join('\n')}\n`;
}
const MAPPING = {
  order_id: 'order',
  customer_external_id: 'customer',
  placed_at: 'date',
  sku: 'sku',
  quantity: 'qty',
  unit_price: 'price',
};

async function openData(dir: string) {
  return createDb(dbOptionsFromConfig(loadConfig({} as NodeJS.ProcessEnv, { dataDir: dir, masterKey: MASTER_KEY })));
}

describe.skipIf(process.env.TEST_DATABASE_URL !== undefined)('kill -9 on the embedded database', () => {
  it('loses no tracked event that was answered 200 and stores none twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-crash-'));
    const created = await run(process.execPath, [BIN, 'source', 'create', 'crash'], { env: envFor(dir) });
    // The key is the last line (the first names only its prefix).
    const writeKey = created.stdout.trim().split('\n').pop()!.trim();
    const auth = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' };
    const { child, base, exited } = await startServer(dir);
    const acknowledged: string[] = [];
    let sent = 0;
    let stop = false;
    const client = async (c: number) => {
      for (let b = 0; !stop; b++) {
        const ids = Array.from({ length: 50 }, (_, i) => `crash-${c}-${b}-${i}`);
        sent += ids.length;
        try {
          const res = await fetch(`${base}/v1/batch`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ batch: ids.map((messageId) => ({ type: 'track', userId: `u${c}`, event: 'Viewed', messageId })) }),
          });
          if (res.status === 200) acknowledged.push(...ids);
        } catch {
          return; // the server is gone
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    for (let i = 0; i < 3_000 && acknowledged.length < 2_000; i++) await new Promise((r) => setTimeout(r, 20));
    expect(acknowledged.length).toBeGreaterThanOrEqual(2_000);
    child.kill('SIGKILL');
    stop = true;
    await Promise.all([exited, ...clients]);
    // Started again, with its workers: the batches answered and not yet stored are stored now.
    const again = await startServer(dir, { PATRON_WORKERS: 'on' });
    let waiting = Number.NaN;
    let waitingAtStart = Number.NaN;
    for (let i = 0; i < 600 && waiting !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const metrics = await (await fetch(`${again.base}/metrics`)).text();
      waiting = Number(/patron_tracking_inbox_batches\{state="waiting"\} (\d+)/.exec(metrics)?.[1]);
      if (i === 0) waitingAtStart = waiting;
    }
    again.child.kill('SIGTERM');
    await again.exited;
    expect(waiting).toBe(0);
    const h = await openData(dir);
    try {
      const stored = await sql<{
        message_id: string;
        n: number;
      }>`select message_id, count(*)::int as n from events group by message_id`.execute(h.db);
      // Stored per source: `<source id>:<message id>`.
      const have = new Set(stored.rows.map((r) => r.message_id.slice(r.message_id.indexOf(':') + 1)));
      const lost = acknowledged.filter((id) => !have.has(id));
      const twice = stored.rows.filter((r) => r.n > 1).length;
      console.log(
        `kill -9 during tracking: ${sent} events sent, ${acknowledged.length} answered 200 (${waitingAtStart} batches of them stored after the restart), ${stored.rows.length} stored, ${lost.length} acknowledged but lost, ${twice} stored twice`,
      );
      expect(lost).toEqual([]);
      expect(twice).toBe(0);
    } finally {
      await h.close();
    }
  }, 180_000);

  it('gives exact counts when an import killed mid-file is run again', async () => {
    const ROWS = 100_000;
    const dir = mkdtempSync(join(tmpdir(), 'patron-crash-'));
    const file = join(dir, 'orders.csv');
    writeFileSync(file, ordersCsv('K', ROWS));
    const args = [
      BIN,
      'import',
      'orders',
      file,
      '--map',
      Object.entries(MAPPING)
        .map(([t, c]) => `${t}=${c}`)
        .join(','),
      '--channel',
      'crash',
    ];
    // The data directory is created and migrated first, so the seconds before the kill are the import's own.
    const fresh = await openData(dir);
    await migrateToLatest(fresh.db);
    await fresh.close();
    const first = spawn(process.execPath, args, { env: envFor(dir) });
    const exited = once(first, 'exit');
    // Killed a few seconds in (the whole file takes about twenty): the import's progress row says how far it got.
    await new Promise((r) => setTimeout(r, 8_000));
    first.kill('SIGKILL');
    await exited;
    const h1 = await openData(dir);
    const before = await h1.db.selectFrom('imports').select(['rows_done', 'status']).executeTakeFirst();
    await h1.close();
    const again = await run(process.execPath, args, { env: envFor(dir), timeout: 170_000 });
    const h = await openData(dir);
    try {
      const orders = Number((await sql<{ n: number }>`select count(*)::int as n from orders`.execute(h.db)).rows[0].n);
      const items = Number((await sql<{ n: number }>`select count(*)::int as n from order_items`.execute(h.db)).rows[0].n);
      const imp = await h.db.selectFrom('imports').select(['rows_done', 'created', 'failed', 'status']).executeTakeFirstOrThrow();
      console.log(
        `kill -9 during an import: ${before?.rows_done ?? 0} of ${ROWS} rows committed when killed (${before?.status ?? 'not started'}); run again: ${again.stdout.trim().replaceAll('\n', ' ')}; ${orders} orders, ${items} items`,
      );
      expect(imp).toMatchObject({ rows_done: ROWS, created: ROWS, failed: 0, status: 'completed' });
      expect([orders, items]).toEqual([ROWS, ROWS]);
    } finally {
      await h.close();
    }
  }, 240_000);

  it('finishes a background job (an import started from the web) after the server was killed in the middle of it', async () => {
    const ROWS = 100_000;
    const dir = mkdtempSync(join(tmpdir(), 'patron-crash-'));
    const created = await run(process.execPath, [BIN, 'api-key', 'create', '--name', 'crash', '--role', 'owner'], { env: envFor(dir) });
    const key = created.stdout.trim().split('\n').pop()!.trim();
    const headers = { authorization: `Bearer ${key}` };
    const serve = () => startServer(dir, { PATRON_WORKERS: 'on' });
    const imports = async (base: string) =>
      (
        (await (await fetch(`${base}/api/v1/imports`, { headers })).json()) as {
          items: { rows: number; status: string; created: number; failed: number }[];
        }
      ).items;
    const first = await serve();
    const upload = await (
      await fetch(`${first.base}/api/v1/imports/upload?kind=orders&fileName=orders.csv`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/csv' },
        body: ordersCsv('J', ROWS),
      })
    ).json();
    const started = await fetch(`${first.base}/api/v1/imports`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ uploadId: upload.uploadId, kind: 'orders', mapping: MAPPING, channel: 'crash_job' }),
    });
    expect(started.status).toBe(202);
    let before = 0;
    for (let i = 0; i < 600 && before === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      before = (await imports(first.base))[0]?.rows ?? 0;
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await serve();
    try {
      let after: { rows: number; status: string; created: number; failed: number } | undefined;
      // On the embedded database the resumed job shares one connection with the restarted server's workers (the order
      // events of 100,000 orders among them): on two busy cores it has taken close to four minutes.
      const deadline = Date.now() + 420_000;
      while (Date.now() < deadline && after?.status !== 'completed') {
        await new Promise((r) => setTimeout(r, 100));
        after = (await imports(second.base))[0];
      }
      console.log(
        `kill -9 during a background import: ${before} of ${ROWS} rows committed when killed; after the restart the job ran again: ${after?.rows} rows, ${after?.created} created, ${after?.failed} failed, ${after?.status}`,
      );
      expect(before).toBeGreaterThan(0);
      expect(after).toMatchObject({ rows: ROWS, created: ROWS, failed: 0, status: 'completed' });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 480_000);
});
