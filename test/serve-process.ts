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

/**
 * Starts `patron serve` on a port the system picks (a random one could be taken by another test's connection) and
 * waits until it answers; a server that exits or has not started after 90 s fails with what it printed.
 */
export async function serve(env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--port', '0'], { env });
  const exited = once(child, 'exit');
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const running = () => /Patron is running at (http:\/\/\S+)/.exec(out)?.[1];
  // A start after a kill -9 recovers the embedded database first; on a busy machine that can take a while.
  const gone = () => child.exitCode ?? child.signalCode;
  for (let i = 0; i < 1800 && !running() && gone() === null; i++) await new Promise((r) => setTimeout(r, 50));
  const base = running();
  if (!base) {
    child.kill('SIGKILL');
    throw new Error(`the server did not start (${gone() === null ? 'still starting after 90 s' : `exited: ${gone()}`}): ${out}${err}`);
  }
  return { child, base, exited };
}

/** An owner's API key made with the CLI on the data directory of `env`. */
export async function ownerKey(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, 'api-key', 'create', '--name', name, '--role', 'owner'], { env });
  return stdout.trim().split('\n').pop()!.trim();
}
