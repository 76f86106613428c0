import { couponTemplateBody, loyaltySettings } from '../../../contracts/loyalty.ts';
import type { AppContext } from '../../platform/context.ts';
import { awardHistory, createTemplate, writeLoyaltySettings } from '../loyalty/index.ts';

const DEMO_ACTOR = { type: 'system' as const, id: null, label: 'demo store', ip: null };

/**
 * The demo store's loyalty programme, opened on its history: members from their first paid order, a point per 元,
 * three tiers on the calendar year's net spend (gold gives a coupon on upgrade), points expiring at the end of the
 * following year. Returns the orders awarded.
 */
export async function seedDemoLoyalty(ctx: AppContext): Promise<number> {
  const gift = await createTemplate(
    ctx.db,
    couponTemplateBody.parse({ name: '金卡升级礼券', kind: 'fixed', amount: 5_000, minSpend: 20_000, validDays: 30 }),
    DEMO_ACTOR,
  );
  const settings = loyaltySettings.parse({
    enabled: true,
    joinRule: 'first_paid_order',
    pointsPerUnit: 1,
    pendingDays: 14,
    bonuses: { signup: 100, birthday: 200, firstOrder: 100, review: 20, referral: 200 },
    expiry: { mode: 'year_end', reminderDays: 30 },
    tierBasis: 'net_spend',
    tierTerm: 'calendar_year',
    tiers: [
      { key: 'silver', name: '银卡', entry: 100_000, keep: 60_000, multiplier: 1 },
      { key: 'gold', name: '金卡', entry: 300_000, keep: 200_000, multiplier: 1.5, upgradeCouponTemplateId: gift.id },
      { key: 'diamond', name: '钻石卡', entry: 800_000, keep: 500_000, multiplier: 2, freeShipping: true },
    ],
  });
  await writeLoyaltySettings(ctx.db, settings, DEMO_ACTOR);
  return awardHistory(ctx);
}
