import autocannon from 'autocannon';

export type Figure = { name: string; figure: number; unit: string; reference: number | null; referenceUnit: string; ratio: number | null; target?: string; note?: string };

export type LoadResult = { p50: number; p99: number; rps: number; errors: number; non2xx: number };

/** HTTP load with autocannon against a running server. */
export type LoadOptions = {
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  /** Varies each request (path, body). */
  setupRequest?: (req: autocannon.Request) => autocannon.Request;
};

export async function load(url: string, opts: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
    method: opts.method ?? 'GET',
    requests: opts.setupRequest ? [{ setupRequest: opts.setupRequest }] : undefined,
  });
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, errors: r.errors, non2xx: r.non2xx };
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

export const ratio = (a: number, b: number | null) => (b ? Math.round((a / b) * 100) / 100 : null);
