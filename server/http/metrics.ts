import { Counter, Gauge as PromGauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gauge } from '../module.ts';
import type { AppContext } from '../platform/context.ts';

export type HttpMetrics = {
  registry: Registry;
  observe(method: string, route: string, status: number, seconds: number): void;
};

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'patron_' });
  const requests = new Counter({
    name: 'patron_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'patron_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    observe(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}

/**
 * The modules' gauges, each read from the database when `/metrics` is scraped (a scrape every 15–60 s costs a few
 * grouped counts). A gauge whose read fails is left empty and logged, never a failed scrape.
 */
export function registerGauges(registry: Registry, gauges: readonly Gauge[], ctx: AppContext) {
  for (const g of gauges)
    new PromGauge({
      name: g.name,
      help: g.help,
      labelNames: [...g.labels],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const r of await g.read(ctx.db, ctx.clock.now())) this.set(r.labels, r.value);
        } catch (err) {
          ctx.log.warn({ err, gauge: g.name }, 'gauge could not be read');
        }
      },
    });
}
