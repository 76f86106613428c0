import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patronComposition } from '../modules.ts';
import { createHttpMetrics } from './metrics.ts';

/** The Grafana dashboard shipped in deploy/ reads only metrics Patron exports (a renamed gauge would blank a panel). */
describe('the Grafana dashboard', () => {
  it('queries only metrics /metrics serves', async () => {
    const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '../../deploy/grafana/patron.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = new Set([
      ...(await createHttpMetrics().registry.getMetricsAsJSON()).map((m) => m.name),
      ...patronComposition.gauges.map((g) => g.name),
    ]);
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/patron_[a-z0-9_]+/g) ?? []));
    // A histogram is queried through its _bucket series.
    const missing = used.map((m) => m.replace(/_bucket$/, '')).filter((m) => !exported.has(m));
    expect(missing).toEqual([]);
    // Every gauge a module declares has a panel.
    for (const g of patronComposition.gauges) expect(used, g.name).toContain(g.name);
  });
});
