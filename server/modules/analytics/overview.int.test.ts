import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { upsertOrder } from '../commerce/index.ts';
import { seedDemo } from '../demo/index.ts';
import { dashboardOverview } from './overview.service.ts';
import { refreshStoredAnswers } from './snapshots.service.ts';

const NOW = new Date('2026-06-30T08:00:00Z');
const QUESTION = { days: 365, timeZone: 'Asia/Shanghai', currency: 'CNY' };
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('dashboard figures, a stored question', () => {
  let patron: Patron;
  const failures: unknown[] = [];
  const overview = (now: Date) => dashboardOverview.answer(patron.ctx.db, QUESTION, now, (err) => failures.push(err));
  beforeAll(async () => {
    patron = await startTestPatron();
    await seedDemo(patron.ctx.db, patron.ctx.keyring, { customers: 300, asOf: NOW });
  });
  afterAll(() => patron.close());

  it('agree with independent SQL over the paid orders', async () => {
    const body = await overview(NOW);
    const truth = await sql<{ orders: number; revenue: number; buyers: number; repeaters: number }>`
      select count(*)::int as orders, sum(total_amount - refunded_amount)::bigint as revenue,
             count(distinct customer_id)::int as buyers,
             (select count(*)::int from (select customer_id from orders where paid_at is not null group by 1 having count(*) >= 2) r) as repeaters
      from orders where paid_at is not null`.execute(patron.ctx.db);
    const t = truth.rows[0];
    expect(body.orders).toBe(t.orders);
    expect(body.revenue).toBe(Number(t.revenue));
    expect(body.buyers).toBe(t.buyers);
    expect(body.repeatPurchaseRate).toBeCloseTo(t.repeaters / t.buyers, 10);
    expect(body.averageOrderValue).toBe(Math.round(Number(t.revenue) / t.orders));
    expect(body.customers).toBe(300);
    expect(body.monthly.length).toBeGreaterThan(6);
    expect(body.byChannel.reduce((s, c) => s + c.orders, 0)).toBe(body.monthly.reduce((s, m) => s + m.orders, 0));
  });

  it('serve the stored snapshot, serve a stale one while computing the next, and keep every question warm', async () => {
    const before = await overview(NOW);
    const customer = await patron.ctx.db.selectFrom('customers').select('id').orderBy('id').executeTakeFirstOrThrow();
    const channel = await patron.ctx.db.selectFrom('channels').select('id').orderBy('id').executeTakeFirstOrThrow();
    await upsertOrder(patron.ctx.db, {
      customerId: customer.id,
      channelId: channel.id,
      externalId: 'dashboard-new',
      status: 'paid',
      currency: 'CNY',
      totalAmount: 50_000,
      placedAt: later(-3_600_000),
      paidAt: later(-3_600_000),
      now: NOW,
      items: [{ sku: 'DASH-1', name: 'dashboard', quantity: 1, unitPrice: 50_000 }],
    });
    // Within the minute the stored figures are the answer, even from another process (the snapshot is a row).
    expect((await overview(later(30_000))).orders).toBe(before.orders);
    // Older than a minute: the viewer still gets them at once, and the next figures are computed meanwhile.
    const stale = await overview(later(90_000));
    expect(stale.asOf).toBe(before.asOf);
    const fresh = await dashboardOverview.refresh(patron.ctx.db, QUESTION, later(90_000));
    expect(fresh.orders).toBe(before.orders + 1);
    expect(fresh.revenue).toBe(before.revenue + 50_000);
    expect((await overview(later(100_000))).asOf).toBe(later(90_000).toISOString());
    expect(failures).toEqual([]);

    // The nightly refresh recomputes the questions asked in the last week and drops the others.
    await dashboardOverview.answer(patron.ctx.db, { ...QUESTION, days: 30 }, later(-8 * 86_400_000), (err) => failures.push(err));
    expect(await refreshStoredAnswers(patron.ctx.db, later(86_400_000))).toBe(1);
    const stored = await patron.ctx.db.selectFrom('analytics_snapshots').select(['key', 'name', 'computed_at']).execute();
    expect(stored.map((k) => [k.key, k.name, k.computed_at.toISOString()])).toEqual([
      ['dashboard:{"currency":"CNY","days":365,"timeZone":"Asia/Shanghai"}', 'dashboard', later(86_400_000).toISOString()],
    ]);

    // Given the store settings, it also answers what the pages open with, asked or not: the dashboard's default
    // period (stored already) and every report without a filter.
    const store = { timeZone: 'Asia/Shanghai', currency: 'CNY' };
    expect(await refreshStoredAnswers(patron.ctx.db, later(2 * 86_400_000), store)).toBe(7);
    const keys = (await patron.ctx.db.selectFrom('analytics_snapshots').select('key').orderBy('key').execute()).map((r) => r.key);
    expect(keys).toEqual([
      'dashboard:{"currency":"CNY","days":365,"timeZone":"Asia/Shanghai"}',
      ...['channels', 'cohorts', 'demographics', 'geography', 'overview', 'value'].map((r) => `report.${r}:{"timeZone":"Asia/Shanghai"}`),
    ]);
  });
});
