import { sql } from 'kysely';
import type { DomainEventPayload } from '../../../contracts/events.ts';
import type { Db } from '../../db/index.ts';
import type { EventSubscription } from '../../events/index.ts';
import { defineScheduledJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { enqueueMessage, templateExists } from '../messaging/index.ts';
import { storeClockOf } from '../system/index.ts';
import { issueCoupon, undoRedemptions, redeemCoupon } from './coupons.ts';
import { awardOrders, joinByOrders } from './earn.ts';
import { credit, expirePoints, type LedgerContext } from './ledger.ts';
import { memberUrl, welcome } from './members.ts';
import { loyaltySettingsOf, tierOf } from './programme.ts';
import { applyTiers, type TierMove } from './tiers.ts';

export async function ledgerContextOf(ctx: AppContext): Promise<LedgerContext> {
  const [settings, clock] = await Promise.all([loyaltySettingsOf(ctx.db), storeClockOf(ctx)]);
  return { settings, timeZone: clock.timeZone, now: clock.now };
}

type OrderEvent = { payload: DomainEventPayload<'order.paid'> };

/**
 * Orders paid, refunded or cancelled are queued for their points (history loaded by an import earns nothing); a
 * cancelled order's coupon redemptions are undone, and a paid order's codes are redeemed (a store that does not call
 * `/coupons/redeem` still has its codes counted).
 */
export const loyaltyOrders: EventSubscription = {
  name: 'loyalty',
  types: ['order.paid', 'order.refunded', 'order.cancelled', 'order.completed'],
  handle: async (event, ctx) => {
    const p = (event as unknown as OrderEvent).payload;
    if (p.importId !== null) return;
    await ctx.db
      .insertInto('loyalty_order_queue')
      .values({ order_id: p.orderId })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const order = await ctx.db
      .selectFrom('orders')
      .select(['external_id', 'coupon_codes', 'total_amount', 'discount_amount', 'customer_id'])
      .where('id', '=', p.orderId)
      .executeTakeFirst();
    if (!order) return;
    const now = ctx.clock.now();
    if (event.type === 'order.cancelled') await undoRedemptions(ctx.db, order.external_id, 'order cancelled', now);
    if (event.type === 'order.paid')
      for (const code of order.coupon_codes) {
        const known = await ctx.db.selectFrom('coupons').select('code').where('code', '=', code.trim().toUpperCase()).executeTakeFirst();
        if (known)
          await redeemCoupon(
            ctx.db,
            {
              code,
              orderId: order.external_id,
              orderTotal: order.total_amount + order.discount_amount,
              customerId: Number(order.customer_id),
            },
            now,
          ).catch(() => undefined);
      }
  },
};

/** Codes for whoever moved up to a tier that gives one. */
export async function afterTierMoves(trx: Db, c: LedgerContext, moves: readonly TierMove[]) {
  for (const m of moves) {
    const tier = c.settings.tiers.find((t) => t.key === m.to);
    const from = c.settings.tiers.findIndex((t) => t.key === m.from);
    const to = c.settings.tiers.findIndex((t) => t.key === m.to);
    if (tier?.upgradeCouponTemplateId && to > from)
      await issueCoupon(trx, tier.upgradeCouponTemplateId, m.customerId, `tier:${tier.key}:${c.now.getUTCFullYear()}`, c.now);
  }
}

const BATCH = 20_000;

/**
 * Drains the order queue: up to 20,000 orders a transaction — joins (first paid order rule), points and clawbacks,
 * then the tiers of the people whose figures moved (an upgrade is immediate).
 */
export async function awardQueued(ctx: AppContext): Promise<number> {
  const c = await ledgerContextOf(ctx);
  return ctx.db.transaction().execute(async (trx) => {
    const taken = await sql<{ order_id: number }>`
      delete from loyalty_order_queue where order_id in (select order_id from loyalty_order_queue order by order_id limit ${BATCH} for update skip locked)
      returning order_id`.execute(trx);
    const ids = taken.rows.map((r) => Number(r.order_id));
    if (ids.length === 0 || !c.settings.enabled) return ids.length;
    await awardBatch(trx, c, ids);
    return ids.length;
  });
}

/**
 * Opens the programme to the store's history: every order with payment since `since` (default: all) is awarded as a
 * new order would be, in id order, 20,000 a transaction — joins on the first paid order, points (those of old orders
 * already available, or expired by the programme's rule at the next nightly run), tiers. Safe to run again.
 */
export async function awardHistory(ctx: AppContext, since?: Date): Promise<number> {
  const c = await ledgerContextOf(ctx);
  let done = 0;
  for (let after = 0; ; ) {
    let q = ctx.db.selectFrom('orders').select('id').where('id', '>', after).where('paid_at', 'is not', null);
    if (since) q = q.where('paid_at', '>=', since);
    const ids = (await q.orderBy('id').limit(BATCH).execute()).map((r) => Number(r.id));
    if (ids.length === 0) return done;
    await ctx.db.transaction().execute((trx) => awardBatch(trx, c, ids));
    done += ids.length;
    after = ids[ids.length - 1];
  }
}

/** Joins, points, clawbacks and tiers for a batch of orders, in the caller's transaction. */
export async function awardBatch(trx: Db, c: LedgerContext, ids: readonly number[]) {
  if (c.settings.joinRule === 'first_paid_order') {
    const joined = await joinByOrders(trx, ids, c.settings.memberNoPrefix);
    if (joined.length > 0) await afterTierMoves(trx, c, await welcome(trx, c, joined));
  }
  const r = await awardOrders(trx, ids, c);
  if (c.settings.tiers.length > 0) await afterTierMoves(trx, c, await applyTiers(trx, c, r.customers));
  return r;
}

/** Today's birthdays (store's zone) get the birthday bonus, once a year. */
async function birthdayBonuses(trx: Db, c: LedgerContext): Promise<number> {
  if (c.settings.bonuses.birthday <= 0) return 0;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: c.timeZone }).format(c.now);
  const due = await sql<{ customer_id: number }>`
    select m.customer_id from loyalty_members m join customers cu on cu.id = m.customer_id
    where m.status = 'active' and cu.birthday is not null and substr(cu.birthday::text, 6, 5) = ${today.slice(5)}`.execute(trx);
  let n = 0;
  for (const r of due.rows)
    if (
      await credit(trx, c, {
        customerId: Number(r.customer_id),
        kind: 'bonus',
        source: `bonus:birthday:${r.customer_id}:${today.slice(0, 4)}`,
        points: c.settings.bonuses.birthday,
        reason: 'birthday',
        actor: null,
      })
    )
      n++;
  return n;
}

/** A reminder to each member with points expiring within the window, once per expiry date. */
async function expiryReminders(ctx: AppContext, c: LedgerContext): Promise<number> {
  const template = c.settings.expiry.reminderTemplate;
  if (!template || c.settings.expiry.mode === 'never' || !(await templateExists(ctx.db, [template])).has(template)) return 0;
  const soon = new Date(c.now.getTime() + c.settings.expiry.reminderDays * 86_400_000);
  const due = await sql<{ customer_id: number; points: number; expires_at: Date; balance: number; member_no: string; tier: string | null }>`
    select l.customer_id, sum(l.remaining)::int as points, min(l.expires_at) as expires_at, m.member_no, m.tier,
      (select sum(a.remaining) from loyalty_ledger a where a.customer_id = l.customer_id and a.remaining > 0 and a.available_at <= ${c.now}
        and (a.expires_at is null or a.expires_at > ${c.now}))::int as balance
    from loyalty_ledger l
    join loyalty_members m on m.customer_id = l.customer_id and m.status = 'active'
    where l.remaining > 0 and l.available_at <= ${c.now} and l.expires_at > ${c.now} and l.expires_at <= ${soon}
    group by l.customer_id, m.member_no, m.tier`.execute(ctx.db);
  for (const r of due.rows) {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: c.timeZone }).format(new Date(r.expires_at));
    await enqueueMessage(ctx.db, {
      key: `loyalty:expiry:${r.customer_id}:${day}`,
      customerId: Number(r.customer_id),
      template,
      variables: {
        points: { balance: r.balance, expiring: r.points, expires_on: day },
        loyalty: {
          member_no: r.member_no,
          tier: tierOf(c.settings, r.tier)?.name ?? null,
          member_url: memberUrl(ctx.config.publicUrl, ctx.keyring, Number(r.customer_id)),
        },
      },
      source: 'loyalty',
    });
  }
  return due.rows.length;
}

/**
 * Nightly (and safe to run any time): points past their date expire, reminders go out, birthdays get their bonus, and
 * every member's tier is evaluated — downgrades happen here, at their term's end.
 */
export async function nightly(ctx: AppContext) {
  const c = await ledgerContextOf(ctx);
  if (!c.settings.enabled) return { expired: 0, reminded: 0, birthdays: 0, moved: 0 };
  let expired = 0;
  for (let n = await expirePoints(ctx.db, c.now); n > 0; n = await expirePoints(ctx.db, c.now)) expired += n;
  const reminded = await expiryReminders(ctx, c);
  const birthdays = await ctx.db.transaction().execute((trx) => birthdayBonuses(trx, c));
  const moved = await ctx.db.transaction().execute(async (trx) => {
    const moves = await applyTiers(trx, c);
    await afterTierMoves(trx, c, moves);
    return moves.length;
  });
  return { expired, reminded, birthdays, moved };
}

export const loyaltyNightlyJob = defineScheduledJob<AppContext>({
  name: 'loyalty-nightly',
  cron: '17 0 * * *',
  expireInSeconds: 3600,
  handler: async (ctx) => {
    await nightly(ctx);
  },
});
