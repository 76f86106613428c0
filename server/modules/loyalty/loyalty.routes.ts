import { z } from 'zod';
import { idParams } from '../../../contracts/common.ts';
import {
  adjustBody,
  batchBody,
  batchView,
  bonusBody,
  couponCheck,
  couponCheckBody,
  couponRedeemBody,
  couponRedemption,
  couponTemplateBody,
  couponTemplateView,
  issueBody,
  issuedCoupon,
  joinBody,
  ledgerPage,
  ledgerQuery,
  loyaltyReport as loyaltyReportBody,
  loyaltySettings,
  memberLink,
  memberList,
  memberListQuery,
  memberView,
  redeemPointsBody,
  tierPreview,
} from '../../../contracts/loyalty.ts';
import { attachment } from '../../http/attachment.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import {
  batchCsv,
  checkCoupon,
  couponsOf,
  createBatch,
  createTemplate,
  issueCoupon,
  listBatches,
  listTemplates,
  redeemCoupon,
  undoRedemptions,
  updateTemplate,
} from './coupons.ts';
import { adjustPoints, credit, redeemPoints } from './ledger.ts';
import { joinMember, ledgerOf, listMembers, memberOf, memberUrl } from './members.ts';
import { loyaltyErrors, writeLoyaltySettings } from './programme.ts';
import { loyaltyReport } from './report.ts';
import { applyTiers, previewTiers } from './tiers.ts';
import { afterTierMoves, ledgerContextOf } from './work.ts';

const ledgerRow = z.object({ id: z.number().int(), source: z.string(), points: z.number().int() });
const couponOfMember = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.string(),
  expiresAt: z.string().nullable(),
  usesLeft: z.number().int(),
  void: z.boolean(),
});

export const loyaltyRoutes = [
  defineRoute({
    method: 'GET',
    url: '/loyalty/settings',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'The programme: joining, earn rules, bonuses, expiry and tiers',
    response: loyaltySettings,
    handler: async ({ ctx }) => (await ledgerContextOf(ctx)).settings,
  }),
  defineRoute({
    method: 'POST',
    url: '/loyalty/settings/preview',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'Who would change tier if these rules were saved now (nothing is written)',
    body: loyaltySettings,
    response: tierPreview,
    handler: async ({ ctx, body }) => previewTiers(ctx.db, { ...(await ledgerContextOf(ctx)), settings: body }),
  }),
  defineRoute({
    method: 'PUT',
    url: '/loyalty/settings',
    access: 'loyalty.write',
    tag: 'loyalty',
    summary: 'Save the programme and re-evaluate every member’s tier (upgrades at once, downgrades at their term’s end); audited',
    body: loyaltySettings,
    response: loyaltySettings,
    handler: async ({ ctx, body, principal, ip }) => {
      const saved = await writeLoyaltySettings(ctx.db, body, actorOf(principal, ip));
      const c = { ...(await ledgerContextOf(ctx)), settings: saved };
      await ctx.db.transaction().execute(async (trx) => afterTierMoves(trx, c, await applyTiers(trx, c)));
      return saved;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/loyalty/report',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'Points liability, earn against burn, tiers and their movement, coupon redemption and revenue',
    response: loyaltyReportBody,
    handler: async ({ ctx }) => loyaltyReport(ctx.db, await ledgerContextOf(ctx)),
  }),
  defineRoute({
    method: 'GET',
    url: '/loyalty/members',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'Members, newest first, filterable by tier (`-`: no tier) and member number',
    query: memberListQuery,
    response: memberList,
    handler: ({ ctx, query }) => listMembers(ctx.db, query, ctx.clock.now()),
  }),
  defineRoute({
    method: 'POST',
    url: '/loyalty/members',
    access: 'loyalty.write',
    tag: 'loyalty',
    summary: 'Enrol a customer (开卡): member number, sign-up bonus, tier; audited',
    body: joinBody,
    response: memberView,
    status: 201,
    handler: async ({ ctx, body, principal, ip }) => {
      const c = await ledgerContextOf(ctx);
      await joinMember(ctx.db, c, {
        customerId: body.customerId,
        joinedAt: body.joinedAt ? new Date(body.joinedAt) : undefined,
        source: 'api',
        actor: actorOf(principal, ip),
      });
      return memberOf(ctx.db, c, body.customerId);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/loyalty/members/:id',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'A member: tier, progress to the next, points available, pending and expiring',
    params: idParams,
    response: memberView,
    handler: async ({ ctx, params }) => memberOf(ctx.db, await ledgerContextOf(ctx), params.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/loyalty/members/:id/ledger',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'A member’s points history, newest first',
    params: idParams,
    query: ledgerQuery,
    response: ledgerPage,
    handler: ({ ctx, params, query }) => ledgerOf(ctx.db, params.id, query, ctx.clock.now()),
  }),
  defineRoute({
    method: 'GET',
    url: '/loyalty/members/:id/coupons',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'The codes issued to a member or redeemed by them',
    params: idParams,
    response: z.array(couponOfMember),
    handler: async ({ ctx, params }) =>
      (await couponsOf(ctx.db, params.id)).map((c) => ({
        code: c.code,
        name: c.name,
        kind: c.kind,
        expiresAt: c.expires_at ? new Date(c.expires_at).toISOString() : null,
        usesLeft: c.max_uses - c.used,
        void: c.void,
      })),
  }),
  defineRoute({
    method: 'POST',
    url: '/loyalty/members/:id/adjust',
    access: 'loyalty.write',
    tag: 'loyalty',
    summary: 'Add or remove points with a reason (removed points must be available); audited',
    params: idParams,
    body: adjustBody,
    response: ledgerRow,
    handler: async ({ ctx, params, body, principal, ip }) =>
      adjustPoints(ctx.db, await ledgerContextOf(ctx), { customerId: params.id, ...body, actor: actorOf(principal, ip) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/loyalty/members/:id/bonus',
    access: 'loyalty.write',
    tag: 'loyalty',
    summary: 'The review or referral bonus, once per reference',
    params: idParams,
    body: bonusBody,
    response: z.object({ credited: z.boolean(), points: z.number().int() }),
    handler: async ({ ctx, params, body }) => {
      const c = await ledgerContextOf(ctx);
      const points = c.settings.bonuses[body.kind];
      const credited = await ctx.db.transaction().execute(async (trx) => {
        const m = await trx.selectFrom('loyalty_members').select('status').where('customer_id', '=', params.id).executeTakeFirst();
        if (m?.status !== 'active') throw loyaltyErrors.notMember(params.id);
        if (points <= 0) return false;
        return credit(trx, c, {
          customerId: params.id,
          kind: 'bonus',
          source: `bonus:${body.kind}:${body.reference}`,
          points,
          reason: body.kind,
          actor: null,
        });
      });
      return { credited, points: credited ? points : 0 };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/loyalty/members/:id/redeem',
    access: 'loyalty.write',
    tag: 'loyalty',
    summary: 'Spend points, once per key; never below zero (409 LOYALTY_INSUFFICIENT_POINTS)',
    params: idParams,
    body: redeemPointsBody,
    response: ledgerRow,
    handler: async ({ ctx, params, body, principal, ip }) =>
      redeemPoints(ctx.db, await ledgerContextOf(ctx), {
        customerId: params.id,
        points: body.points,
        key: body.key,
        reason: body.reason ?? null,
        actor: actorOf(principal, ip),
      }),
  }),
  defineRoute({
    method: 'GET',
    url: '/loyalty/members/:id/link',
    access: 'loyalty.read',
    tag: 'loyalty',
    summary: 'The member page’s signed link (for a message or a QR code)',
    params: idParams,
    response: memberLink,
    handler: async ({ ctx, params }) => {
      const m = await ctx.db.selectFrom('loyalty_members').select('customer_id').where('customer_id', '=', params.id).executeTakeFirst();
      if (!m) throw loyaltyErrors.notMember(params.id);
      return { url: memberUrl(ctx.config.publicUrl, ctx.keyring, params.id) };
    },
  }),
  // Coupons
  defineRoute({
    method: 'GET',
    url: '/coupons/templates',
    access: 'loyalty.read',
    tag: 'coupons',
    summary: 'Coupon templates with their codes, issued, redeemed and discount given',
    response: z.array(couponTemplateView),
    handler: ({ ctx }) => listTemplates(ctx.db),
  }),
  defineRoute({
    method: 'POST',
    url: '/coupons/templates',
    access: 'loyalty.write',
    tag: 'coupons',
    summary: 'A coupon template: fixed, percent with cap or free shipping; minimum spend, channels, validity, uses; audited',
    body: couponTemplateBody,
    response: couponTemplateView,
    status: 201,
    handler: ({ ctx, body, principal, ip }) => createTemplate(ctx.db, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'PUT',
    url: '/coupons/templates/:id',
    access: 'loyalty.write',
    tag: 'coupons',
    summary: 'Change or archive a template (codes already issued keep their dates); audited',
    params: idParams,
    body: couponTemplateBody.and(z.object({ archived: z.boolean().optional() })),
    response: couponTemplateView,
    handler: ({ ctx, params, body, principal, ip }) => updateTemplate(ctx.db, params.id, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/coupons/templates/:id/batches',
    access: 'loyalty.read',
    tag: 'coupons',
    summary: 'The template’s batches of codes',
    params: idParams,
    response: z.array(batchView),
    handler: ({ ctx, params }) => listBatches(ctx.db, params.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/coupons/templates/:id/batches',
    access: 'loyalty.write',
    tag: 'coupons',
    summary: 'A batch of unique crypto-random codes (up to 1,000,000) or one code of your own; audited',
    params: idParams,
    body: batchBody,
    response: batchView,
    status: 201,
    handler: ({ ctx, params, body, principal, ip }) => createBatch(ctx.db, params.id, body, actorOf(principal, ip), ctx.clock.now()),
  }),
  defineRoute({
    method: 'GET',
    url: '/coupons/batches/:id/codes.csv',
    access: 'loyalty.write',
    tag: 'coupons',
    summary: 'A batch’s codes as CSV (code, uses left, expiry)',
    params: idParams,
    handler: async ({ ctx, params, reply }) =>
      attachment(reply, 'text/csv; charset=utf-8', `coupons-${params.id}.csv`, await batchCsv(ctx.db, params.id)),
  }),
  defineRoute({
    method: 'POST',
    url: '/coupons/templates/:id/issue',
    access: 'loyalty.write',
    tag: 'coupons',
    summary: 'A code of the template for one person, once per source (asking again returns the same code)',
    params: idParams,
    body: issueBody,
    response: issuedCoupon,
    handler: ({ ctx, params, body }) =>
      ctx.db.transaction().execute((trx) => issueCoupon(trx, params.id, body.customerId, body.source, ctx.clock.now())),
  }),
  defineRoute({
    method: 'POST',
    url: '/coupons/validate',
    access: 'loyalty.read',
    tag: 'coupons',
    summary: 'Whether a code applies to a basket and what it takes off; a rejection names its reason',
    body: couponCheckBody,
    response: couponCheck,
    handler: ({ ctx, body }) => checkCoupon(ctx.db, body, ctx.clock.now()),
  }),
  defineRoute({
    method: 'POST',
    url: '/coupons/redeem',
    access: 'loyalty.write',
    tag: 'coupons',
    summary: 'Redeem a code for an order, idempotent by order id (409 COUPON_NOT_REDEEMABLE with the reason)',
    body: couponRedeemBody,
    response: couponRedemption,
    handler: ({ ctx, body }) => redeemCoupon(ctx.db, body, ctx.clock.now()),
  }),
  defineRoute({
    method: 'POST',
    url: '/coupons/undo',
    access: 'loyalty.write',
    tag: 'coupons',
    summary: 'Undo an order’s redemptions (the order was cancelled): each code gets its use back',
    body: z.object({ orderId: z.string().trim().min(1).max(120), reason: z.string().max(200).default('order cancelled') }),
    response: z.object({ undone: z.number().int() }),
    handler: async ({ ctx, body }) => ({
      undone: await ctx.db.transaction().execute((trx) => undoRedemptions(trx, body.orderId, body.reason, ctx.clock.now())),
    }),
  }),
];
