import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { recordRefund, upsertOrder } from '../commerce/index.ts';
import { resolveCustomer } from '../identity/index.ts';
import { computeRfm } from './rfm.service.ts';

/**
 * A hand-checked example: five buyers with distinct recency, frequency and spend, as of 2026-06-30
 * (Asia/Shanghai), so each dimension's quintile score is exactly 1–5.
 */
const BUYERS = [
  { id: 'A', lastDaysAgo: 1, orders: 5, each: 10000 },
  { id: 'B', lastDaysAgo: 10, orders: 4, each: 9000 },
  { id: 'C', lastDaysAgo: 50, orders: 3, each: 8000 },
  { id: 'D', lastDaysAgo: 100, orders: 2, each: 7000 },
  { id: 'E', lastDaysAgo: 300, orders: 1, each: 6000 },
];

describe('RFM on a hand-checked example', () => {
  let patron: Patron;
  beforeAll(async () => {
    patron = await startTestPatron();
    const db = patron.ctx.db;
    const channel = await db
      .insertInto('channels')
      .values({ code: 'rfm', name: 'RFM', kind: 'web', platform: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const end = Date.parse('2026-06-30T16:00:00Z'); // 2026-07-01 00:00 in Shanghai
    for (const b of BUYERS) {
      const { customerId } = await resolveCustomer(db, patron.ctx.keyring, {
        identifiers: [{ kind: 'external', channel: 'rfm', value: b.id }],
        source: 'test',
        now: new Date(),
      });
      for (let i = 0; i < b.orders; i++) {
        const placedAt = new Date(end - (b.lastDaysAgo + i * 2) * 86_400_000 - 3_600_000);
        await upsertOrder(db, {
          customerId,
          channelId: channel.id,
          externalId: `${b.id}-${i}`,
          status: 'paid',
          currency: 'CNY',
          totalAmount: b.each,
          placedAt,
          now: new Date(),
        });
      }
    }
    // Outside the window or unpaid: ignored. A refund lowers the spend.
    const { customerId: late } = await resolveCustomer(db, patron.ctx.keyring, {
      identifiers: [{ kind: 'external', channel: 'rfm', value: 'old' }],
      source: 'test',
      now: new Date(),
    });
    await upsertOrder(db, {
      customerId: late,
      channelId: channel.id,
      externalId: 'old-1',
      status: 'paid',
      currency: 'CNY',
      totalAmount: 99999,
      placedAt: new Date('2024-01-01T00:00:00Z'),
      now: new Date(),
    });
    await upsertOrder(db, {
      customerId: late,
      channelId: channel.id,
      externalId: 'old-2',
      status: 'pending_payment',
      currency: 'CNY',
      totalAmount: 99999,
      placedAt: new Date('2026-06-01T00:00:00Z'),
      now: new Date(),
    });
    await recordRefund(db, {
      channelId: channel.id,
      orderExternalId: 'A-0',
      refundId: 'R-1',
      amount: 2000,
      source: 'test',
      refundedAt: new Date(),
      now: new Date(),
    });
  });
  afterAll(() => patron.close());

  it('scores recency, frequency and monetary by quintile and names the groups', async () => {
    const rows = await computeRfm(patron.ctx.db, { asOf: '2026-06-30', windowDays: 365, timeZone: 'Asia/Shanghai' });
    expect(rows.map((r) => [r.externalIds[0], r.recencyDays, r.frequency, r.monetary, r.r, r.f, r.m, r.group])).toEqual([
      ['rfm:A', 1, 5, 48000, 5, 5, 5, 'champions'],
      ['rfm:B', 10, 4, 36000, 4, 4, 4, 'loyal'],
      ['rfm:C', 50, 3, 24000, 3, 3, 3, 'need_attention'],
      ['rfm:D', 100, 2, 14000, 2, 2, 2, 'hibernating'],
      ['rfm:E', 300, 1, 6000, 1, 1, 1, 'lost'],
    ]);
  });

  it('narrows to the window and serves the grid through the API', async () => {
    const short = await computeRfm(patron.ctx.db, { asOf: '2026-06-30', windowDays: 60, timeZone: 'Asia/Shanghai' });
    expect(short.map((r) => r.externalIds[0])).toEqual(['rfm:A', 'rfm:B', 'rfm:C']);
    const owner = await signIn(patron);
    const res = (
      await patron.http.inject({ method: 'GET', url: '/api/v1/analytics/rfm?asOf=2026-06-30&window=365', headers: as(owner) })
    ).json();
    expect(res).toMatchObject({ asOf: '2026-06-30', windowDays: 365, customers: 5 });
    expect(res.groups.find((g: { group: string }) => g.group === 'champions')).toEqual({
      group: 'champions',
      customers: 1,
      revenue: 48000,
    });
    const bad = await patron.http.inject({ method: 'GET', url: '/api/v1/analytics/rfm?asOf=June', headers: as(owner) });
    expect(bad.statusCode).toBe(400);
  });

  it('honours the filter bar: only one channel’s orders', async () => {
    const db = patron.ctx.db;
    const other = await db
      .insertInto('channels')
      .values({ code: 'rfm_other', name: 'Other', kind: 'web', platform: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { customerId } = await resolveCustomer(db, patron.ctx.keyring, {
      identifiers: [{ kind: 'external', channel: 'rfm', value: 'F' }],
      source: 'test',
      now: new Date(),
    });
    await upsertOrder(db, {
      customerId,
      channelId: other.id,
      externalId: 'F-1',
      status: 'paid',
      currency: 'CNY',
      totalAmount: 100,
      placedAt: new Date('2026-06-20T00:00:00Z'),
      now: new Date(),
    });
    const all = await computeRfm(db, { asOf: '2026-06-30', windowDays: 365, timeZone: 'Asia/Shanghai' });
    expect(all.map((r) => r.externalIds[0])).toContain('rfm:F');
    const one = await computeRfm(db, { asOf: '2026-06-30', windowDays: 365, timeZone: 'Asia/Shanghai', channel: 'rfm_other' });
    expect(one.map((r) => r.externalIds[0])).toEqual(['rfm:F']);
  });
});
