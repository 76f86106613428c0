import { sql } from 'kysely';
import type { Db } from '../server/db/index.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export type Figure = {
  name: string;
  figure: number;
  unit: string;
  reference: number | null;
  referenceUnit: string;
  ratio: number | null;
  target?: string;
  note?: string;
};

export type LoadResult = {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  non2xx: number;
  /** The cores busy, as a note. */
  cpu: string;
  /** Processor milliseconds a request cost the server, the database and the load generator together. */
  cpuMsPerRequest: number;
};

/** HTTP load with autocannon against a running server. */
export type LoadOptions = {
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  /** Varies each request (path, body). */
  setupRequest?: (req: autocannon.Request) => autocannon.Request;
  /** The server under load, whose processor time is reported beside the database's and the load generator's. */
  serverPid?: number;
};

export async function load(url: string, opts: LoadOptions): Promise<LoadResult> {
  const meter = cpuMeter(opts.serverPid);
  const r = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
    method: opts.method ?? 'GET',
    requests: opts.setupRequest ? [{ setupRequest: opts.setupRequest }] : undefined,
  });
  const used = meter();
  const rps = r.requests.average;
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps,
    errors: r.errors,
    non2xx: r.non2xx,
    cpu: used.note,
    cpuMsPerRequest: rps > 0 ? (used.cores * 1000) / rps : Number.NaN,
  };
}

/** Clock ticks a second in /proc's figures (USER_HZ, 100 on every Linux architecture Node runs on). */
const TICKS = 100;

/** Processor ticks (user + system) of a process so far; 0 for one gone or unreadable. */
function ticksOf(pid: number): number {
  try {
    // The command name may hold spaces and parentheses: the fields counted after its closing one.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The ticks of every local PostgreSQL process (none for a server elsewhere, or for PGlite inside the server). */
function databaseTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return ticks;
  }
  for (const d of pids) {
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') ticks.set(Number(d), ticksOf(Number(d)));
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/**
 * Where the machine's processors went while a load ran: the server's process, the local PostgreSQL's and this
 * process (named `self`: the load generator, or the reads it made itself), in cores, out of the cores there are (no
 * PostgreSQL share where none runs on this machine). Near the total: the machine, not one side's waiting, sets the
 * pace; the split says whose work to make cheaper. Empty where /proc cannot be read.
 */
export function cpuMeter(serverPid?: number, self = 'load generator'): () => { note: string; cores: number } {
  if (!existsSync('/proc/self/stat')) return () => ({ note: '', cores: Number.NaN });
  const t0 = performance.now();
  const server0 = serverPid ? ticksOf(serverPid) : 0;
  const database0 = databaseTicks();
  const own0 = process.cpuUsage();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const cores = (ticks: number) => ticks / TICKS / seconds;
    const database = databaseTicks();
    let databaseUsed = 0;
    for (const [pid, ticks] of database) databaseUsed += ticks - (database0.get(pid) ?? 0);
    const own = process.cpuUsage(own0);
    const busy: Array<[who: string, cores: number]> = [];
    if (serverPid) busy.push(['server', cores(ticksOf(serverPid) - server0)]);
    if (database.size > 0) busy.push(['PostgreSQL', cores(databaseUsed)]);
    busy.push([self, (own.user + own.system) / 1e6 / seconds]);
    const parts = busy.map(([who, n]) => `${who} ${n.toFixed(2)}`);
    return {
      note: `cores busy: ${parts.join(', ')} of ${availableParallelism()}`,
      cores: busy.reduce((sum, [, n]) => sum + n, 0),
    };
  };
}

/** Times an async function; returns milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function peakRss(): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  timer.unref();
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss);
  };
}

/**
 * What autovacuum would do while a workload fills tables in a burst, on a server where it is off (this machine's
 * PostgreSQL): analyze them every `naptime` (its default, a minute), so plans follow the tables' growth. Returns
 * whether it had to, and a stop function. On a server with autovacuum on it does nothing.
 */
export async function emulateAutoanalyze(db: Db, tables: readonly string[], naptimeMs = 60_000) {
  const on = (await sql<{ autovacuum: string }>`show autovacuum`.execute(db)).rows[0].autovacuum === 'on';
  if (on) return { emulated: false, stop: () => Promise.resolve() };
  let pass = Promise.resolve();
  const timer = setInterval(() => {
    pass = pass.then(async () => {
      for (const t of tables) await sql`analyze ${sql.table(t)}`.execute(db);
    });
  }, naptimeMs);
  return {
    emulated: true,
    stop: async () => {
      clearInterval(timer);
      await pass;
    },
  };
}

export const ratio = (a: number, b: number | null) => (b ? Math.round((a / b) * 100) / 100 : null);

export type ServerProcess = { base: string; pid: number; peakRssMb(): number; stop(): Promise<void> };

/** The heap's ceiling `npm start` gives the server (V8 collects sooner under a smaller one): the same here. */
const heapCeiling =
  (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.match(
    /--max-old-space-size=\d+/,
  ) ?? [];

/**
 * Runs `patron serve` as its own process, as in production, so the load generator and the benchmark's own
 * work (seeding, the CSV file) neither share its event loop nor count in its memory.
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const root = join(import.meta.dirname, '..');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATRON_') && k !== 'DATABASE_URL'));
  const child = spawn(process.execPath, [...heapCeiling, '--import', 'tsx', 'cli/main.ts', 'serve', '--no-demo', '--port', String(port)], {
    cwd: root,
    env: { ...inherited, PATRON_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Patron is running')) resolve();
    });
    exited.then(([code]) => reject(new Error(`patron serve exited with ${code} before listening`)));
  });
  const pid = child.pid as number;
  return {
    base: `http://127.0.0.1:${port}`,
    pid,
    /** The kernel's high-water mark of the process's resident set (Linux). */
    peakRssMb: () => {
      const line = readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('VmHWM:'));
      return line ? Math.round(Number(line.replace(/\D+/g, '')) / 1024) : Number.NaN;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}
