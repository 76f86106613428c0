import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { seedDemo, seedDemoInsights } from '../demo/index.ts';

const NOW = new Date('2026-06-30T08:00:00Z');

describe('analytics reports', () => {
  let patron: Patron;
  let get: (path: string) => Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string } } }>;
  beforeAll(async () => {
    patron = await startTestPatron();
    await seedDemo(patron.ctx.db, patron.ctx.keyring, { customers: 800, asOf: NOW });
    await seedDemoInsights(patron.ctx.db, { now: NOW, timeZone: 'Asia/Shanghai' });
    const session = await signIn(patron);
    get = async (path) => {
      const res = await patron.http.inject({ url: `/api/v1${path}`, headers: as(session) });
      return { status: res.statusCode, body: res.json() };
    };
  });
  afterAll(() => patron.close());

  it('agree with each other: channel revenue sums to the total, cohorts start at 100%, provinces cover every customer', async () => {
    const overview = (await get('/analytics/reports/overview')).body as {
      revenue: number;
      customers: number;
      buyers: number;
      stages: { customers: number }[];
    };
    const channels = (await get('/analytics/reports/channels')).body as { channels: { revenue: number }[]; overlap: { buyers: number }[] };
    expect(channels.channels.reduce((s, c) => s + c.revenue, 0)).toBe(overview.revenue);
    expect(channels.overlap.reduce((s, o) => s + o.buyers, 0)).toBe(overview.buyers);
    const cohorts = (await get('/analytics/reports/cohorts')).body as { cohorts: { retention: (number | null)[] }[] };
    expect(cohorts.cohorts.length).toBeGreaterThan(0);
    for (const c of cohorts.cohorts) expect(c.retention[0]).toBe(1);
    const geo = (await get('/analytics/reports/geography')).body as { provinces: { customers: number }[] };
    expect(geo.provinces.reduce((s, p) => s + p.customers, 0)).toBe(overview.customers);
    const demo = (await get('/analytics/reports/demographics')).body as { cells: { customers: number }[] };
    expect(demo.cells.reduce((s, p) => s + p.customers, 0)).toBe(overview.customers);
    expect(overview.stages.reduce((s, p) => s + p.customers, 0)).toBe(overview.customers);
    const value = (await get('/analytics/reports/value')).body as { atRisk: { churnProbability: number }[]; riskBands: unknown[] };
    expect(value.riskBands.length).toBeGreaterThan(0);
    for (const c of value.atRisk) expect(c.churnProbability).toBeGreaterThanOrEqual(0.5);
  });

  it('filter by dates, channel and segment, and reject bad filters with a code', async () => {
    const all = (await get('/analytics/reports/overview')).body as { revenue: number };
    const h1 = (await get('/analytics/reports/overview?from=2026-01-01&to=2026-06-30')).body as {
      revenue: number;
      monthly: { month: string }[];
    };
    expect(h1.revenue).toBeLessThan(all.revenue);
    expect(h1.monthly.every((m) => m.month >= '2026-01' && m.month <= '2026-06')).toBe(true);
    const tmall = (await get('/analytics/reports/channels?channel=tmall')).body as { channels: { code: string; revenue: number }[] };
    expect(tmall.channels.filter((c) => c.code !== 'tmall').every((c) => c.revenue === 0)).toBe(true);
    const segment = await patron.ctx.db
      .selectFrom('segments')
      .select(['id', 'size'])
      .where('name', '=', '冠军与忠诚客户')
      .executeTakeFirstOrThrow();
    const inSegment = (await get(`/analytics/reports/overview?segment=${segment.id}`)).body as { customers: number };
    expect(inSegment.customers).toBe(segment.size);
    const bad = await get('/analytics/reports/overview?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('VALIDATION_FAILED');
    const models = (await get('/analytics/models')).body as { clv: { status: string; validation: { buckets: unknown[] } } };
    expect(models.clv.status).toBe('ready');
    expect(models.clv.validation.buckets.length).toBe(8);
  });

  it('clusters buyers with k-means, picks k by silhouette, and saves a cluster as a segment', async () => {
    const session = await signIn(patron);
    const post = (url: string, payload: object) =>
      patron.http.inject({ method: 'POST', url: `/api/v1${url}`, headers: as(session), payload });
    const res = await post('/analytics/clusters', { features: ['recency', 'frequency', 'monetary'] });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      customers: number;
      k: number;
      candidates: { k: number; silhouette: number }[];
      clusters: { cluster: number; size: number }[];
    };
    expect(body.candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(body.k).toBe(body.candidates.reduce((b, c) => (c.silhouette > b.silhouette ? c : b)).k);
    expect(body.clusters.reduce((s, c) => s + c.size, 0)).toBe(body.customers);
    const target = body.clusters[0];
    const saved = await post('/segments/from-cluster', {
      features: ['recency', 'frequency', 'monetary'],
      k: body.k,
      cluster: target.cluster,
      name: 'Top cluster',
    });
    expect(saved.statusCode).toBe(201);
    expect(saved.json().segment).toMatchObject({ kind: 'static', size: target.size });
    expect((await post('/analytics/clusters', { features: ['height'] })).statusCode).toBe(400);
    // The filter bar's segment: only its members are clustered, and the saved cluster is drawn from them.
    const within = (
      await post('/analytics/clusters', { features: ['recency', 'frequency', 'monetary'], k: 2, segment: saved.json().segment.id })
    ).json();
    expect(within.customers).toBe(target.size);
    const channel = (await patron.ctx.db.selectFrom('channels').select('code').orderBy('id').executeTakeFirstOrThrow()).code;
    const byChannel = (await post('/analytics/clusters', { features: ['recency', 'frequency', 'monetary'], k: 2, channel })).json();
    expect(byChannel.customers).toBeLessThanOrEqual(body.customers);
    expect(byChannel.customers).toBeGreaterThan(0);
  });
});
