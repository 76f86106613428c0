import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { upsertOrder } from '../commerce/index.ts';
import { seedDemo } from '../demo/index.ts';
import { type Period, calibrationVsHoldout, clvSummaries } from './clv.service.ts';
import { processChanges } from './changes.service.ts';
import { loadModels } from './models.service.ts';
import { recomputeAll } from './recompute.service.ts';
import { computeRfm } from './rfm.service.ts';

const AS_OF = new Date('2026-06-30T08:00:00Z');
const TZ = 'Asia/Shanghai';

describe('stored customer metrics', () => {
  let patron: Patron;
  beforeAll(async () => {
    patron = await startTestPatron();
    await seedDemo(patron.ctx.db, patron.ctx.keyring, { customers: 1500, asOf: AS_OF });
  });
  afterAll(() => patron.close());

  it('the drain refreshes changed customers before any full recompute has fitted a model (no RFM scores yet)', async () => {
    const db = patron.ctx.db;
    expect(await processChanges(db, { now: AS_OF, timeZone: TZ, limit: 50 })).toBe(50);
    const rows = await db.selectFrom('customer_metrics').select(['orders_count', 'rfm_r', 'rfm_group', 'lifecycle_stage']).execute();
    expect(rows).toHaveLength(50);
    expect(rows.some((r) => r.orders_count > 0)).toBe(true);
    expect(rows.every((r) => r.rfm_r === null && r.rfm_group === null)).toBe(true);
  });

  it('a full recompute stores every customer’s aggregates, matching independent SQL', async () => {
    // In chunks of 200, two side by side (as 20,000 at a time on a large shop): each chunk's count adds to the total.
    const result = await recomputeAll(patron.ctx.db, { now: AS_OF, timeZone: TZ, chunkSize: 200 });
    expect(result.customers).toBe(1500);
    const mismatches = await sql<{ n: number }>`
      with truth as (
        select c.id, count(o.id) filter (where o.paid_at is not null and o.status <> 'cancelled') as orders,
          coalesce(sum(o.total_amount - o.refunded_amount) filter (where o.paid_at is not null and o.status <> 'cancelled'), 0) as net,
          (select count(distinct i.product_id) from orders po join order_items i on i.order_id = po.id
           where po.customer_id = c.id and po.paid_at is not null and po.status <> 'cancelled') as products
        from customers c left join orders o on o.customer_id = c.id group by c.id)
      select count(*)::int as n from truth t left join customer_metrics m on m.customer_id = t.id
      where m.customer_id is null or m.orders_count <> t.orders or m.net_spent <> t.net or m.distinct_products <> t.products`.execute(
      patron.ctx.db,
    );
    expect(mismatches.rows[0].n).toBe(0);
    const stages = await sql<{
      lifecycle_stage: string;
      n: number;
    }>`select lifecycle_stage, count(*)::int as n from customer_metrics group by 1`.execute(patron.ctx.db);
    const byStage = Object.fromEntries(stages.rows.map((r) => [r.lifecycle_stage, r.n]));
    for (const stage of ['active', 'at_risk', 'churned']) expect(byStage[stage], stage).toBeGreaterThan(0);
    expect(result.lifecycle.source).toBe('derived');
  });

  it('RFM scores from stored breakpoints equal the window-function scores', async () => {
    const live = await computeRfm(patron.ctx.db, { asOf: '2026-06-30', windowDays: 365, timeZone: TZ });
    const stored = await patron.ctx.db
      .selectFrom('customer_metrics')
      .select(['customer_id', 'rfm_r', 'rfm_f', 'rfm_m', 'rfm_group'])
      .where('rfm_r', 'is not', null)
      .execute();
    expect(stored.length).toBe(live.length);
    const byId = new Map(stored.map((s) => [Number(s.customer_id), s]));
    for (const row of live) {
      const s = byId.get(row.customerId)!;
      expect([s.rfm_r, s.rfm_f, s.rfm_m, s.rfm_group]).toEqual([row.r, row.f, row.m, row.group]);
    }
  });

  it('fits CLV on the shop’s history and stores sane predictions with a calibration check', async () => {
    const models = await loadModels(patron.ctx.db);
    expect(models.clv).not.toBeNull();
    const { bgnbd, gammaGamma } = models.clv!;
    for (const v of [bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b, gammaGamma.p, gammaGamma.q, gammaGamma.gamma]) expect(v).toBeGreaterThan(0);
    const stats = await sql<{ n: number; bad: number; churn_ok: number }>`
      select count(*)::int as n,
        count(*) filter (where p_alive < 0 or p_alive > 1 or clv < 0 or expected_purchases < 0)::int as bad,
        count(*) filter (where abs(churn_probability - (1 - p_alive)) < 1e-9)::int as churn_ok
      from customer_metrics where orders_count > 0`.execute(patron.ctx.db);
    expect(stats.rows[0].bad).toBe(0);
    expect(stats.rows[0].churn_ok).toBe(stats.rows[0].n);
    const row = await sql<{ params: { until: string; period: Period; validation: ReturnType<typeof calibrationVsHoldout> } }>`
      select params from analytics_models where kind = 'clv' order by id desc limit 1`.execute(patron.ctx.db);
    const { until, period, validation } = row.rows[0].params;
    expect(validation?.buckets.reduce((s, b) => s + b.customers, 0)).toBeGreaterThan(0);
    // The recompute reads the calibration and full summaries in one pass: the same as reading each on its own.
    const options = { period, timeZone: TZ };
    const calibration = await clvSummaries(patron.ctx.db, { ...options, until: validation!.calibrationUntil });
    const full = await clvSummaries(patron.ctx.db, { ...options, until });
    const apart = calibrationVsHoldout(calibration, full, { until, period, calibrationUntil: validation!.calibrationUntil })!;
    expect(apart.holdoutPeriods).toBe(validation!.holdoutPeriods);
    apart.buckets.forEach((b, i) => {
      const stored = validation!.buckets[i];
      expect([b.x, b.customers, b.actual]).toEqual([stored.x, stored.customers, stored.actual]);
      // Summed in whatever order the rows came: equal up to rounding.
      expect(b.predicted).toBeCloseTo(stored.predicted, 9);
    });
  });

  it('a new order marks the customer changed, and the incremental refresh updates the metrics', async () => {
    const db = patron.ctx.db;
    const prospect = await db
      .selectFrom('customer_metrics')
      .select('customer_id')
      .where('lifecycle_stage', '=', 'prospect')
      .executeTakeFirstOrThrow();
    const channel = await db.selectFrom('channels').select('id').executeTakeFirstOrThrow();
    await sql`delete from customer_changes`.execute(db);
    await upsertOrder(db, {
      customerId: prospect.customer_id,
      channelId: channel.id,
      externalId: 'metrics-1',
      status: 'paid',
      currency: 'CNY',
      totalAmount: 12_300,
      placedAt: new Date('2026-06-29T02:00:00Z'),
      now: AS_OF,
    });
    const changed = await db.selectFrom('customer_changes').select('customer_id').execute();
    expect(changed.map((c) => Number(c.customer_id))).toEqual([prospect.customer_id]);
    const touched: number[][] = [];
    expect(await processChanges(db, { now: AS_OF, timeZone: TZ, onRefreshed: async (_trx, ids) => void touched.push(ids) })).toBe(1);
    expect(touched).toEqual([[prospect.customer_id]]);
    const after = await db
      .selectFrom('customer_metrics')
      .selectAll()
      .where('customer_id', '=', prospect.customer_id)
      .executeTakeFirstOrThrow();
    expect([after.orders_count, after.net_spent, after.lifecycle_stage, after.recency_days]).toEqual([1, 12_300, 'new', 1]);
    expect(after.p_alive).toBe(1);
    expect(after.clv).toBeGreaterThan(0);
    expect(await db.selectFrom('customer_changes').select('customer_id').execute()).toEqual([]);
  });
});
