import { sql } from 'kysely';
import { couponTemplateBody, loyaltySettings } from '../contracts/loyalty.ts';
import { awardBatch, balanceOf, createBatch, createTemplate } from '../server/modules/loyalty/index.ts';
import type { AppContext } from '../server/platform/context.ts';
import { type Figure, ratio, timed } from './harness.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'bench', ip: null };
const BATCH = 20_000;

/**
 * Loyalty at scale: a day of `orders` new paid orders awarded points as the poller does (batches of 20,000: joins on
 * the first paid order, points with tier, channel and date multipliers, first-order bonuses, tiers re-evaluated for
 * the buyers); the balance read for 2,000 random members (p99); a batch of `codes` coupon codes. The run removes what
 * it added.
 */
export async function loyaltyFigures(ctx: AppContext, orders: number, codes: number): Promise<Figure[]> {
  const now = new Date();
  const settings = loyaltySettings.parse({
    enabled: true,
    joinRule: 'first_paid_order',
    pointsPerUnit: 1,
    pendingDays: 14,
    bonuses: { firstOrder: 100 },
    multipliers: [
      { kind: 'channel', value: 'tmall', factor: 2 },
      { kind: 'dates', from: now.toISOString().slice(0, 10), to: now.toISOString().slice(0, 10), factor: 1.5 },
    ],
    expiry: { mode: 'year_end' },
    tiers: [
      { key: 'silver', name: '银卡', entry: 100_000, keep: 50_000, multiplier: 1 },
      { key: 'gold', name: '金卡', entry: 500_000, keep: 300_000, multiplier: 2 },
    ],
  });
  const c = { settings, timeZone: 'Asia/Shanghai', now };
  const before = Number((await sql<{ id: number }>`select coalesce(max(id), 0) as id from orders`.execute(ctx.db)).rows[0].id);
  const people = Number((await sql<{ n: number }>`select count(*)::int as n from customers`.execute(ctx.db)).rows[0].n);
  // A day's orders by the store's customers (one in three buys twice), paid over the day.
  await sql`
    insert into orders (customer_id, channel_id, external_id, status, currency, total_amount, discount_amount, shipping_amount,
      refunded_amount, coupon_codes, placed_at, paid_at, created_at, updated_at)
    select cu.id, (select min(id) from channels), 'bench-loyalty-' || g, 'paid', 'CNY', 9900 + (g % 50) * 1000, 0, 0, 0, '{}', p.at, p.at, p.at, p.at
    from generate_series(1, ${orders}) g
    join customers cu on cu.id = (select min(id) from customers) + (g * 7) % ${Math.max(1, Math.round(people * 0.75))}
    cross join lateral (select ${now}::timestamptz - (g % 86400) * interval '1 second' as at) p`.execute(ctx.db);
  const ids = (await sql<{ id: number }>`select id from orders where id > ${before} order by id`.execute(ctx.db)).rows.map((r) =>
    Number(r.id),
  );
  let earned = 0;
  const awardMs = await timed(async () => {
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      earned += (await ctx.db.transaction().execute((trx) => awardBatch(trx, c, chunk))).earned;
    }
  });
  const members = (await sql<{ customer_id: number }>`select customer_id from loyalty_members order by random() limit 2000`.execute(ctx.db))
    .rows;
  const reads: number[] = [];
  for (const m of members) {
    const t0 = performance.now();
    await balanceOf(ctx.db, Number(m.customer_id), { now, reminderDays: 30 });
    reads.push(performance.now() - t0);
  }
  reads.sort((a, b) => a - b);
  const p99 = reads[Math.min(reads.length - 1, Math.floor(reads.length * 0.99))] ?? 0;
  const tiers = await sql<{
    tier: string | null;
    n: number;
  }>`select tier, count(*)::int as n from loyalty_members group by 1 order by 1`.execute(ctx.db);

  const template = await createTemplate(
    ctx.db,
    couponTemplateBody.parse({ name: 'bench', kind: 'fixed', amount: 1000, validDays: 30 }),
    ACTOR,
  );
  const codesMs = await timed(() => createBatch(ctx.db, template.id, { count: codes, prefix: '', length: 10 }, ACTOR, now));
  const distinct = Number(
    (await sql<{ n: number }>`select count(*)::int as n from coupons where template_id = ${template.id}`.execute(ctx.db)).rows[0].n,
  );

  await sql`delete from coupons where template_id = ${template.id}`.execute(ctx.db);
  await sql`delete from coupon_batches where template_id = ${template.id}`.execute(ctx.db);
  await sql`delete from coupon_templates where id = ${template.id}`.execute(ctx.db);
  await sql`delete from loyalty_ledger`.execute(ctx.db);
  await sql`delete from loyalty_tier_changes`.execute(ctx.db);
  await sql`delete from loyalty_members`.execute(ctx.db);
  await sql`delete from domain_events where key like 'order.%' and (payload->>'orderId')::bigint > ${before}`.execute(ctx.db);
  await sql`delete from orders where id > ${before} and external_id like 'bench-loyalty-%'`.execute(ctx.db);
  const tierNote = tiers.rows.map((r) => `${r.tier ?? 'none'} ${r.n}`).join(', ');
  return [
    {
      name: 'loyalty: a day’s orders awarded',
      figure: Math.round(awardMs / 100) / 10,
      unit: 's',
      reference: 60,
      referenceUnit: 's target',
      ratio: ratio(awardMs / 1000, 60),
      target: '500,000 orders < 60 s at L',
      note: `${ids.length} orders in batches of ${BATCH} (joins, points with channel, date and tier multipliers, first-order bonuses, tiers): ${earned} earn entries; members by tier: ${tierNote}`,
    },
    {
      name: 'loyalty: balance read p99',
      figure: Math.round(p99 * 10) / 10,
      unit: 'ms',
      reference: 20,
      referenceUnit: 'ms target',
      ratio: ratio(p99, 20),
      target: '< 20 ms',
      note: `${reads.length} random members, one at a time, in process (median ${Math.round((reads[Math.floor(reads.length / 2)] ?? 0) * 10) / 10} ms)`,
    },
    {
      name: 'coupon codes generated',
      figure: Math.round(codesMs / 100) / 10,
      unit: 's',
      reference: 30,
      referenceUnit: 's target',
      ratio: ratio(codesMs / 1000, 30),
      target: '1,000,000 codes < 30 s',
      note: `${distinct} unique codes of 10 unambiguous characters, one batch, one transaction`,
    },
  ];
}
