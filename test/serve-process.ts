import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** `bin/patron.mjs` in a process of its own on the embedded database of `dir` (the kill -9 tests). */
export const BIN = join(import.meta.dirname, '..', 'bin', 'patron.mjs');
export const run = promisify(execFile);

export type Served = { child: ChildProcess; base: string; exited: Promise<unknown> };

export const envFor = (dir: string, masterKey: string, workers: 'on' | 'off', extra: Record<string, string> = {}) => ({
  ...process.env,
  PATRON_LOG_LEVEL: 'silent',
  PATRON_DATA_DIR: dir,
  DATABASE_URL: '',
  PATRON_MASTER_KEY: masterKey,
  PATRON_WORKERS: workers,
  PATRON_HOST: '127.0.0.1',
  PATRON_CHANGES_INTERVAL_MS: '200',
  ...extra,
});

/** Starts `patron serve` on a random port and waits until it answers. */
export async function serve(env: NodeJS.ProcessEnv): Promise<Served> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--port', String(port)], { env });
  const exited = once(child, 'exit');
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  for (let i = 0; i < 600 && !out.includes('Patron is running'); i++) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes('Patron is running')) throw new Error(`the server did not start: ${out}`);
  return { child, base: `http://127.0.0.1:${port}`, exited };
}

/** An owner's API key made with the CLI on the data directory of `env`. */
export async function ownerKey(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, 'api-key', 'create', '--name', name, '--role', 'owner'], { env });
  return stdout.trim().split('\n').pop()!.trim();
}
