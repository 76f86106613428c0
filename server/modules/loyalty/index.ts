import { defineModule } from '../../module.ts';
import { loyaltyData, loyaltyFields, loyaltyPanels, loyaltyScope } from './customer-data.ts';
import { loyaltyRoutes } from './loyalty.routes.ts';
import { registerMemberPage } from './member-page.http.ts';
import { awardQueued, loyaltyNightlyJob, loyaltyOrders } from './work.ts';

/**
 * Loyalty: membership (开卡 by rule or request), an append-only points ledger unique per source (pending, available,
 * spent, expired, clawed back on refunds), tiers with entry and keep thresholds over a term, coupons (templates,
 * batches of unique codes, validate and redeem for the store), and a signed member page.
 */
export const loyaltyModule = defineModule({
  name: 'loyalty',
  routes: loyaltyRoutes,
  plugins: [registerMemberPage],
  jobs: [loyaltyNightlyJob],
  pollers: [{ name: 'loyalty-award', run: awardQueued }],
  subscriptions: [loyaltyOrders],
  customerData: loyaltyData,
  segmentFields: loyaltyFields,
  panels: loyaltyPanels,
  messageScopes: [loyaltyScope],
  // Orders (net paid, channel, items and their products' categories) earn points and move tiers; a birthday brings its
  // bonus; the person must be live to join.
  reads: ['orders', 'order_items', 'products', 'channels', 'customers'],
});
export { awardBatch, awardHistory, ledgerContextOf, nightly } from './work.ts';
export { writeLoyaltySettings } from './programme.ts';
export { batchCodes, couponTemplatesExisting, createBatch, createTemplate, issueCoupon } from './coupons.ts';
export { balanceOf, grantPoints } from './ledger.ts';
export { isActiveMember } from './members.ts';
