import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { ensureChannel, upsertOrder } from '../commerce/index.ts';
import { resolveCustomer } from '../identity/index.ts';
import { associationRules, recommendationsFor } from './affinity.service.ts';

/**
 * Five baskets, computed by hand: {A,B} {A,B,C} {A,C} {B} {D}. N = 5; A in 3, B in 3, C in 2.
 *   A → B: support 2/5, confidence 2/3, lift (2/3)/(3/5) = 10/9
 *   C → A: support 2/5, confidence 1,   lift 1/(3/5)     = 5/3
 *   B → C: support 1/5, confidence 1/3, lift (1/3)/(2/5) = 5/6
 */
const BASKETS = [['A', 'B'], ['A', 'B', 'C'], ['A', 'C'], ['B'], ['D']];
const NOW = new Date('2026-06-30T00:00:00Z');

describe('product association and recommendations on a hand-computed basket set', () => {
  let patron: Patron;
  const customers: number[] = [];
  beforeAll(async () => {
    patron = await startTestPatron();
    const db = patron.ctx.db;
    const channel = await ensureChannel(db, { code: 'web', name: 'Web', kind: 'web', platform: 'custom' });
    for (const [n, basket] of BASKETS.entries()) {
      const { customerId } = await resolveCustomer(db, patron.ctx.keyring, {
        identifiers: [{ kind: 'external', channel: 'web', value: `c${n}` }],
        source: 'test',
        now: NOW,
      });
      customers.push(customerId);
      await upsertOrder(db, {
        customerId,
        channelId: channel,
        externalId: `o${n}`,
        status: 'paid',
        currency: 'CNY',
        totalAmount: 1000 * basket.length,
        placedAt: new Date(NOW.getTime() - (n + 1) * 86_400_000),
        now: NOW,
        items: basket.map((sku) => ({ sku, name: `Product ${sku}`, category: `cat-${sku}`, quantity: 1, unitPrice: 1000 })),
      });
    }
  });
  afterAll(() => patron.close());

  it('gives the hand-computed support, confidence and lift', async () => {
    const { baskets, rules } = await associationRules(patron.ctx.db, { now: NOW, windowDays: 30 });
    expect(baskets).toBe(5);
    const rule = (a: string, b: string) => rules.find((r) => r.from.name === `Product ${a}` && r.to.name === `Product ${b}`)!;
    expect(rule('A', 'B')).toMatchObject({ baskets: 2, support: 0.4 });
    expect(rule('A', 'B').confidence).toBeCloseTo(2 / 3, 12);
    expect(rule('A', 'B').lift).toBeCloseTo(10 / 9, 12);
    expect(rule('C', 'A').confidence).toBeCloseTo(1, 12);
    expect(rule('C', 'A').lift).toBeCloseTo(5 / 3, 12);
    expect(rule('B', 'C').support).toBeCloseTo(0.2, 12);
    expect(rule('B', 'C').lift).toBeCloseTo(5 / 6, 12);
    expect(rules.some((r) => r.from.name === 'Product D' || r.to.name === 'Product D')).toBe(false);
    expect(rules[0].lift).toBeCloseTo(5 / 3, 12);
    const strong = await associationRules(patron.ctx.db, { now: NOW, windowDays: 30, minConfidence: 0.9 });
    expect(strong.rules.map((r) => `${r.from.name}→${r.to.name}`)).toEqual(['Product C→Product A']);
  });

  it('recommends what others bought with their purchases, not what they already have', async () => {
    // Customer 2 bought {A, C}: B was bought with A twice (of 3) and with C once (of 2); D never with either.
    const recs = await recommendationsFor(patron.ctx.db, customers[2], { now: NOW, windowDays: 30 });
    expect(recs.items.map((i) => i.name)).toEqual(['Product B']);
    expect(recs.items[0].because).toEqual(['Product A', 'Product C']);
    const w = (days: number) => 2 ** (-days / 90);
    expect(recs.items[0].score).toBeCloseTo(w(3) * (2 / 3 + 1 / 2), 9);
  });
});
