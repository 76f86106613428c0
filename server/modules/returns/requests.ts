import { type Selectable, sql } from 'kysely';
import {
  type CreateReturnBody,
  type MoveReturnBody,
  RETURN_MOVES,
  type ReturnSettings,
  type ReturnState,
} from '../../../contracts/returns.ts';
import type { Db, ReturnRequestTable } from '../../db/index.ts';
import { emit } from '../../events/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { encryptField } from '../../platform/crypto.ts';
import { recordRefund, upsertOrder } from '../commerce/index.ts';
import { grantPoints, issueCoupon, ledgerContextOf } from '../loyalty/index.ts';
import { enqueueMessage, reachableChannels } from '../messaging/index.ts';
import { returnErrors, returnSettingsOf } from './settings.ts';
import { RETURN_TEMPLATES, returnUrl } from './templates.ts';

const MAX_PHOTO = 2 * 1024 * 1024;
const DAY = 86_400_000;

type Request = Selectable<ReturnRequestTable>;

/** Units of an order line already held by other returns: what inspection accepted, else what was asked (not rejected ones). */
const heldSql = (orderId: number) => sql<{ order_item_id: number; held: number }>`
  select l.order_item_id, sum(case when r.state in ('rejected', 'cancelled') then 0 else coalesce(l.accepted_quantity, l.quantity) end)::int as held
  from return_lines l join return_requests r on r.id = l.return_id
  where r.order_id = ${orderId} group by l.order_item_id`;

async function orderOf(db: Db, orderId: number, lock: boolean) {
  const q = db
    .selectFrom('orders')
    .select(['id', 'customer_id', 'channel_id', 'external_id', 'status', 'currency', 'placed_at', 'paid_at', 'shipped_at', 'delivered_at'])
    .where('id', '=', orderId);
  const o = await (lock ? q.forUpdate() : q).executeTakeFirst();
  if (!o) throw returnErrors.orderNotFound(orderId);
  return o;
}
type Order = Awaited<ReturnType<typeof orderOf>>;

/** When the return window started: delivery, else shipping, payment, placing. */
const windowStart = (o: Order) => o.delivered_at ?? o.shipped_at ?? o.paid_at ?? o.placed_at;

/** Each line of an order with how many of it may still be returned. */
export async function returnableLines(db: Db, orderId: number) {
  const [items, held] = await Promise.all([
    db
      .selectFrom('order_items')
      .select(['id', 'sku', 'name', 'quantity', 'unit_price'])
      .where('order_id', '=', orderId)
      .orderBy('id')
      .execute(),
    heldSql(orderId).execute(db),
  ]);
  const heldBy = new Map(held.rows.map((h) => [Number(h.order_item_id), Number(h.held)]));
  return items.map((i) => ({
    orderItemId: Number(i.id),
    sku: i.sku,
    name: i.name,
    bought: i.quantity,
    returnable: Math.max(0, i.quantity - (heldBy.get(Number(i.id)) ?? 0)),
    unitPrice: i.unit_price,
  }));
}

export async function returnableOf(ctx: AppContext, orderId: number, settings: ReturnSettings) {
  const o = await orderOf(ctx.db, orderId, false);
  return {
    orderId,
    orderExternalId: o.external_id,
    open: isOpen(o, settings, ctx.clock.now()),
    lines: await returnableLines(ctx.db, orderId),
  };
}

const isOpen = (o: Order, s: ReturnSettings, now: Date) => now.getTime() - windowStart(o).getTime() <= s.windowDays * DAY;

function decodePhotos(photos: CreateReturnBody['photos']) {
  return photos.map((p) => {
    const data = Buffer.from(p.data, 'base64');
    if (data.length === 0 || data.length > MAX_PHOTO) throw returnErrors.photo(p.fileName);
    return { file_name: p.fileName, content_type: p.contentType, size: data.length, data };
  });
}

export type ReturnEnv = { ctx: AppContext; settings: ReturnSettings; now: Date };

export async function returnEnvOf(ctx: AppContext): Promise<ReturnEnv> {
  return { ctx, settings: await returnSettingsOf(ctx.db), now: ctx.clock.now() };
}

/**
 * A return request for lines of one order: never more of a line than was bought less what other returns hold, within
 * the store's window, for a reason of its list. Approved at once when the auto-approval rules all hold.
 */
export async function createReturn(trx: Db, env: ReturnEnv, body: CreateReturnBody, actor: string): Promise<number> {
  const { settings, now, ctx } = env;
  const o = await orderOf(trx, body.orderId, true);
  if (o.status === 'pending_payment' || o.status === 'cancelled') throw returnErrors.notReturnable(o.status);
  if (!isOpen(o, settings, now)) throw returnErrors.windowClosed(settings.windowDays);
  if (!settings.reasons.some((r) => r.key === body.reason)) throw returnErrors.reason(body.reason);
  const asked = new Map<number, number>();
  for (const l of body.lines) asked.set(l.orderItemId, (asked.get(l.orderItemId) ?? 0) + l.quantity);
  const lines = new Map((await returnableLines(trx, o.id)).map((l) => [l.orderItemId, l]));
  for (const [itemId, quantity] of asked) {
    const line = lines.get(itemId);
    if (!line) throw returnErrors.line(itemId);
    if (quantity > line.returnable) throw returnErrors.quantity(itemId, quantity, line.returnable);
  }
  const photos = decodePhotos(body.photos);
  const created = await trx
    .insertInto('return_requests')
    .values({
      customer_id: o.customer_id,
      order_id: o.id,
      origin: 'patron',
      state: 'requested',
      reason: body.reason,
      note_enc: body.note ? encryptField(ctx.keyring, body.note) : null,
      refund_only: body.refundOnly,
      ticket_id: body.ticketId ?? null,
      created_at: now,
      updated_at: now,
      state_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(created.id);
  await trx
    .insertInto('return_lines')
    .values(
      [...asked].map(([itemId, quantity]) => {
        const l = lines.get(itemId);
        return { return_id: id, order_item_id: itemId, sku: l?.sku ?? '', name: l?.name ?? '', quantity, unit_price: l?.unitPrice ?? 0 };
      }),
    )
    .execute();
  if (photos.length > 0)
    await trx
      .insertInto('return_photos')
      .values(photos.map((p) => ({ ...p, return_id: id })))
      .execute();
  const request = await lockRequest(trx, id);
  await changed(trx, env, request, null, actor, null);
  const value = [...asked].reduce((sum, [itemId, q]) => sum + q * (lines.get(itemId)?.unitPrice ?? 0), 0);
  if (await autoApproves(trx, settings, o, body.reason, value, now)) {
    await trx.updateTable('return_requests').set({ auto_approved: true }).where('id', '=', id).execute();
    await move(trx, env, id, { move: 'approve', note: 'auto' }, 'auto-approval');
  }
  return id;
}

async function autoApproves(trx: Db, s: ReturnSettings, o: Order, reason: string, value: number, now: Date): Promise<boolean> {
  const a = s.autoApprove;
  if (!a.enabled || o.delivered_at === null || a.reasons.includes(reason) || value > a.maxValue) return false;
  if (now.getTime() - o.delivered_at.getTime() > a.withinDays * DAY) return false;
  const flagged = await trx
    .selectFrom('customer_tags')
    .select('tag')
    .where('customer_id', '=', o.customer_id)
    .where('tag', '=', a.flaggedTag)
    .executeTakeFirst();
  return !flagged;
}

async function lockRequest(trx: Db, id: number): Promise<Request> {
  const r = await trx.selectFrom('return_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!r) throw returnErrors.notFound(id);
  return r as Request;
}

/** The history row, the domain event journeys trigger on, and the customer's message of the new state. */
async function changed(trx: Db, env: ReturnEnv, r: Request, from: ReturnState | null, actor: string, note: string | null) {
  const id = Number(r.id);
  await trx.insertInto('return_events').values({ return_id: id, from_state: from, to_state: r.state, actor, note, at: env.now }).execute();
  await emit(trx, {
    key: `return:${id}:${r.state}`,
    type: 'return.updated',
    customerId: Number(r.customer_id),
    occurredAt: env.now,
    payload: { returnId: id, orderId: Number(r.order_id), from, state: r.state, origin: r.origin, resolution: r.resolution },
  });
  if (env.settings.notify && r.origin === 'patron' && r.state !== 'closed') await notify(trx, env, r);
}

async function notify(trx: Db, env: ReturnEnv, r: Request) {
  const reach = await reachableChannels(trx, Number(r.customer_id));
  const template = reach.email ? RETURN_TEMPLATES.email : reach.sms ? RETURN_TEMPLATES.sms : null;
  if (!template) return;
  const order = await trx.selectFrom('orders').select(['external_id', 'currency']).where('id', '=', r.order_id).executeTakeFirstOrThrow();
  await enqueueMessage(trx, {
    key: `return:${r.id}:${r.state}`,
    customerId: Number(r.customer_id),
    template,
    source: `return:${r.id}`,
    variables: {
      order: { id: order.external_id, currency: order.currency },
      rma: {
        id: Number(r.id),
        state: r.state,
        url: returnUrl(env.ctx, Number(r.id)),
        reason: r.rejected_reason ?? '',
        resolution: r.resolution ?? '',
        refund_amount: r.refund_amount ?? 0,
        coupon: r.credit_coupon ?? '',
        points: r.credit_points ?? 0,
      },
    },
  });
}

/** Moves a return along (see RETURN_MOVES for what each move starts from); everything it causes commits with it. */
export async function move(trx: Db, env: ReturnEnv, id: number, body: MoveReturnBody, actor: string): Promise<void> {
  const r = await lockRequest(trx, id);
  const allowed: readonly ReturnState[] = RETURN_MOVES[body.move];
  if (!allowed.includes(r.state) || (body.move === 'resolve' && r.state === 'approved' && !r.refund_only))
    throw returnErrors.state(body.move, r.state, body.move === 'resolve' && !r.refund_only ? ['inspected'] : allowed);
  const set: Partial<Request> = {};
  let note: string | null = 'note' in body ? (body.note ?? null) : null;
  switch (body.move) {
    case 'approve':
      set.state = 'approved';
      break;
    case 'reject':
      set.state = 'rejected';
      set.rejected_reason = body.reason;
      note = body.reason;
      break;
    case 'ship':
      set.state = 'in_transit';
      set.carrier = body.carrier;
      set.tracking_number = body.trackingNumber;
      break;
    case 'receive':
      set.state = 'received';
      break;
    case 'inspect':
      await inspect(trx, id, body.lines);
      set.state = 'inspected';
      break;
    case 'resolve':
      Object.assign(set, await resolve(trx, env, r, body));
      set.state = 'resolved';
      break;
    case 'close':
      set.state = 'closed';
      break;
    case 'cancel':
      set.state = 'cancelled';
      break;
  }
  await trx
    .updateTable('return_requests')
    .set({ ...set, updated_at: env.now, state_at: env.now })
    .where('id', '=', id)
    .execute();
  await changed(trx, env, { ...r, ...set } as Request, r.state, actor, note);
}

/** Each line's outcome: all accepted, part of it, or refused (a reason is required for what is not accepted). */
async function inspect(trx: Db, id: number, verdicts: Extract<MoveReturnBody, { move: 'inspect' }>['lines']) {
  const lines = await trx.selectFrom('return_lines').select(['id', 'quantity']).where('return_id', '=', id).execute();
  const byId = new Map(lines.map((l) => [Number(l.id), l.quantity]));
  for (const v of verdicts) {
    const quantity = byId.get(v.lineId);
    if (quantity === undefined) throw returnErrors.line(v.lineId);
    if (v.acceptedQuantity > quantity) throw returnErrors.quantity(v.lineId, v.acceptedQuantity, quantity);
  }
  const given = new Map(verdicts.map((v) => [v.lineId, v]));
  for (const [lineId, quantity] of byId) {
    const v = given.get(lineId);
    const accepted = v ? v.acceptedQuantity : quantity;
    await trx
      .updateTable('return_lines')
      .set({
        accepted_quantity: accepted,
        outcome: accepted === quantity ? 'accepted' : accepted === 0 ? 'refused' : 'partly',
        refusal_reason: accepted === quantity ? null : (v?.refusalReason ?? null),
      })
      .where('id', '=', lineId)
      .execute();
  }
}

/** The value a resolution is worth by default: accepted units (every asked unit for a refund without a parcel). */
async function acceptedValue(trx: Db, r: Request): Promise<{ value: number; lines: { sku: string; name: string; quantity: number }[] }> {
  const lines = await trx
    .selectFrom('return_lines')
    .select(['sku', 'name', 'quantity', 'accepted_quantity', 'unit_price'])
    .where('return_id', '=', r.id)
    .execute();
  const counted = lines.map((l) => ({
    sku: l.sku,
    name: l.name,
    quantity: r.state === 'approved' ? l.quantity : (l.accepted_quantity ?? 0),
    price: l.unit_price,
  }));
  return {
    value: counted.reduce((s, l) => s + l.quantity * l.price, 0),
    lines: counted.filter((l) => l.quantity > 0).map(({ price: _price, ...l }) => l),
  };
}

/**
 * A refund through commerce (the order's refunded amount, its metrics, RFM and points follow), a replacement order of
 * the accepted lines, or store credit (points or a loyalty coupon). Each is written once per return.
 */
async function resolve(trx: Db, env: ReturnEnv, r: Request, body: Extract<MoveReturnBody, { move: 'resolve' }>): Promise<Partial<Request>> {
  const { value, lines } = await acceptedValue(trx, r);
  const o = await orderOf(trx, Number(r.order_id), false);
  const source = `return:${r.id}`;
  if (body.resolution === 'refund') {
    const refunded = await recordRefund(trx, {
      channelId: o.channel_id,
      orderExternalId: o.external_id,
      refundId: source,
      amount: body.amount ?? value,
      reason: r.reason,
      source: 'returns',
      refundedAt: env.now,
      now: env.now,
    });
    return { resolution: 'refund', refund_amount: refunded?.amount ?? 0, refund_ref: source };
  }
  if (body.resolution === 'exchange') {
    const replacement = await upsertOrder(trx, {
      customerId: o.customer_id,
      channelId: o.channel_id,
      externalId: `${o.external_id}-RMA${r.id}`,
      status: 'paid',
      currency: o.currency,
      totalAmount: 0,
      placedAt: env.now,
      paidAt: env.now,
      items: lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: 0 })),
      source: 'returns',
      now: env.now,
    });
    return { resolution: 'exchange', exchange_order_id: replacement.orderId };
  }
  if (body.couponTemplateId !== undefined) {
    const coupon = await issueCoupon(trx, body.couponTemplateId, o.customer_id, source, env.now);
    return { resolution: 'store_credit', credit_coupon: coupon.code };
  }
  const points = body.points ?? Math.floor((value / 100) * env.settings.creditPointsPerUnit);
  const ledger = await ledgerContextOf({ ...env.ctx, db: trx });
  if (points > 0) await grantPoints(trx, ledger, { customerId: o.customer_id, points, source, reason: `return ${r.id}`, actor: 'returns' });
  return { resolution: 'store_credit', credit_points: points };
}
