import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'patron.mjs');

async function patron(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, PATRON_LOG_LEVEL: 'silent', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const COMMANDS = [
  ['serve'],
  ['import'],
  ['worker'],
  ['migrate'],
  ['seed'],
  ['create-user'],
  ['api-key', 'create'],
  ['source', 'create'],
  ['rotate-key'],
  ['backup'],
  ['restore'],
  ['analytics', 'rfm'],
  ['analytics', 'fit'],
  ['analytics', 'predict'],
  ['analytics', 'recompute'],
  ['campaign', 'send'],
  ['campaign', 'report'],
];

describe('patron CLI', () => {
  it('has --help on every command', async () => {
    // Four processes at a time: two cores shared with other test files must not turn twenty starts into a timeout.
    const results: Awaited<ReturnType<typeof patron>>[] = [];
    for (let i = 0; i < COMMANDS.length; i += 4)
      results.push(...(await Promise.all(COMMANDS.slice(i, i + 4).map((c) => patron([...c, '--help'])))));
    results.forEach((r, i) => {
      expect(r.code, COMMANDS[i].join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: patron ${COMMANDS[i].join(' ')}`);
    });
  }, 180_000);

  it('fails with one clear line and a non-zero exit code', async () => {
    const worker = await patron(['worker'], { PATRON_DATA_DIR: mkdtempSync(join(tmpdir(), 'patron-cli-')), DATABASE_URL: '' });
    expect(worker.code).toBe(1);
    expect(worker.stderr.trim()).toBe('patron: patron worker needs DATABASE_URL: the embedded database serves one process.');
    const badRole = await patron(['create-user', '--email', 'a@b.cn', '--name', 'A', '--role', 'king']);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain("argument 'king' is invalid");
  });

  it('seeds, creates a user and a key, backs up and restores into an empty data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-cli-'));
    const env = { PATRON_DATA_DIR: dir, DATABASE_URL: '' };
    const seeded = await patron(['seed', '--demo', '--customers', '400', '--as-of', '2026-06-30'], env);
    expect(seeded.stdout).toMatch(/Seeded 400 customers, \d+ orders, \d+ events, 5 example segments/);
    const user = await patron(['create-user', '--email', 'ana@shop.cn', '--name', 'Ana', '--role', 'analyst'], env);
    expect(user.stdout).toMatch(/One-time password: \S{16}/);
    const key = await patron(['api-key', 'create', '--name', 'bi', '--role', 'analyst'], env);
    expect(key.stdout).toMatch(/^ptn_[\w-]{12}_[\w-]{43}$/m);
    const source = await patron(['source', 'create', 'web store', '--channel', 'web'], env);
    expect(source.stdout).toMatch(/^pws_[\w-]{12}_[\w-]{43}$/m);
    const rfm = JSON.parse(
      (await patron(['analytics', 'rfm', '--as-of', '2026-06-30', '--window', '730', '--format', 'json'], env)).stdout,
    );
    expect(rfm.length).toBeGreaterThan(20);
    expect(Object.keys(rfm[0])).toEqual(['customer_id', 'external_ids', 'recency_days', 'frequency', 'monetary', 'r', 'f', 'm', 'group']);
    const fit = JSON.parse((await patron(['analytics', 'fit', '--until', '2026-06-30', '--json'], env)).stdout);
    expect(Object.keys(fit)).toEqual(['customers', 'repeatCustomers', 'bgnbd', 'gammaGamma']);
    expect(Object.keys(fit.bgnbd)).toEqual(['r', 'alpha', 'a', 'b', 'logLikelihood']);
    expect(Object.keys(fit.gammaGamma)).toEqual(['p', 'q', 'gamma', 'logLikelihood']);
    const prediction = await patron(['analytics', 'predict', '--until', '2026-06-30', '--horizon', '26', '--format', 'json'], env);
    expect(prediction.code, prediction.stderr).toBe(0);
    const predicted = JSON.parse(prediction.stdout);
    expect(predicted.length).toBe(fit.customers);
    expect(Object.keys(predicted[0])).toEqual([
      'customer_id',
      'external_ids',
      'x',
      't_x',
      'T',
      'p_alive',
      'expected_purchases',
      'expected_avg_value',
      'clv',
    ]);
    const recomputed = await patron(['analytics', 'recompute', '--activity'], env);
    expect(recomputed.stdout).toMatch(/Rebuilt \d+ segment activity rows\.\nRecomputed 400 customers .* and 5 segments\./);
    const noCampaign = await patron(['campaign', 'report', '999', '--format', 'csv'], env);
    expect(noCampaign.code).toBe(1);
    expect(noCampaign.stderr.trim()).toBe('patron: Campaign 999 does not exist.');
    const tooEarly = await patron(['analytics', 'fit', '--until', '2024-08-01'], env);
    expect(tooEarly.code).toBe(1);
    expect(tooEarly.stderr).toMatch(/Too little history to fit \(too_few_buyers\)/);
    const csv = join(dir, 'orders.csv');
    writeFileSync(
      csv,
      '订单号,会员ID,下单时间,商品编码,数量,单价\nA1,m1,2026-05-01 10:00:00,SKU-1,2,19.90\nA2,m2,not a date,SKU-1,1,19.90\n',
    );
    const imported = await patron(['import', 'orders', csv, '--channel', 'pos'], env);
    expect(imported.stdout).toMatch(/2 rows — 1 created, 0 updated, 0 skipped, 1 failed/);
    expect(readFileSync(`${csv}.errors.csv`, 'utf8')).toContain('placed_at: not a date');
    const id = /Import (\d+):/.exec(imported.stdout)![1];
    const undone = await patron(['import', 'undo', id], env);
    expect(undone.stdout).toContain('1 orders');
    expect(existsSync(csv)).toBe(true);
    const file = join(dir, 'backup.jsonl.gz');
    expect((await patron(['backup', file], env)).code).toBe(0);
    const other = mkdtempSync(join(tmpdir(), 'patron-cli-'));
    cpSync(join(dir, 'master.key'), join(other, 'master.key'));
    const dry = await patron(['migrate', '--dry-run'], { PATRON_DATA_DIR: other, DATABASE_URL: '' });
    expect(dry.stdout).toMatch(/^Would apply \d+:\n0001_platform\n/);
    const restored = await patron(['restore', file], { PATRON_DATA_DIR: other, DATABASE_URL: '' });
    expect(restored.stdout).toMatch(/Restored \d+ rows in \d+ tables/);
    const again = await patron(['restore', file], { PATRON_DATA_DIR: other, DATABASE_URL: '' });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not empty');
  }, 240_000); // ten CLI processes, each opening the embedded database

  it('refuses to open the embedded database beside a running server, with what to do, and works again once it stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-cli-'));
    const env = { ...process.env, PATRON_LOG_LEVEL: 'silent', PATRON_DATA_DIR: dir, DATABASE_URL: '', PATRON_WORKERS: 'off' };
    const server = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--port', '0'], { env });
    try {
      let out = '';
      server.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      // Waiting for the last line the server prints once it listens: the lines may arrive in separate chunks.
      const signIn = /Sign in as \S+ with the one-time password \S+/;
      for (let i = 0; i < 600 && !signIn.test(out); i++) await new Promise((r) => setTimeout(r, 250));
      expect(out).toContain('Patron is running');
      expect(out).toMatch(signIn);
      const beside = await patron(['api-key', 'create', '--name', 'bi', '--role', 'analyst'], { PATRON_DATA_DIR: dir, DATABASE_URL: '' });
      expect(beside.code).toBe(1);
      expect(beside.stderr).toContain(`is open in another Patron process (pid ${server.pid}`);
      expect(beside.stderr).toContain('DATABASE_URL');
    } finally {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const stop = setTimeout(() => server.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(stop);
    }
    const after = await patron(['api-key', 'create', '--name', 'bi', '--role', 'analyst'], { PATRON_DATA_DIR: dir, DATABASE_URL: '' });
    expect(after.code, after.stderr).toBe(0);
  }, 240_000); // a server starting beside the other test files' work
});
