import { sql } from 'kysely';
import type { ReturnView, returnList, returnListQuery } from '../../../contracts/returns.ts';
import type { z } from 'zod';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Actor } from '../../http/principal.ts';
import { recordAudit } from '../audit/index.ts';
import { presentFreeText } from '../customers/index.ts';
import { returnErrors } from './settings.ts';
import { returnUrl } from './templates.ts';

const OPEN = ['requested', 'approved', 'in_transit', 'received', 'inspected'] as const;

/** The value of a return's lines at their unit price. */
const valueSql = sql<number>`coalesce((select sum(l.quantity * l.unit_price) from return_lines l where l.return_id = r.id), 0)::bigint`;

/** Returns newest first, by state, open ones, a person's or an order's, or from one source (shopify, taobao …). */
export async function listReturns(db: Db, q: z.infer<typeof returnListQuery>): Promise<z.infer<typeof returnList>> {
  let base = db.selectFrom('return_requests as r');
  if (q.state) base = base.where('r.state', '=', q.state);
  if (q.open) base = base.where('r.state', 'in', [...OPEN]);
  if (q.customerId) base = base.where('r.customer_id', '=', q.customerId);
  if (q.orderId) base = base.where('r.order_id', '=', q.orderId);
  if (q.origin) base = base.where('r.origin', '=', q.origin);
  const [rows, total] = await Promise.all([
    base
      .innerJoin('orders as o', 'o.id', 'r.order_id')
      .innerJoin('customers as c', 'c.id', 'r.customer_id')
      .select([
        'r.id',
        'r.customer_id',
        'c.name',
        'o.external_id',
        'o.currency',
        'r.origin',
        'r.state',
        'r.reason',
        'r.resolution',
        'r.refund_amount',
        'r.created_at',
        'r.updated_at',
      ])
      .select(valueSql.as('value'))
      .orderBy('r.updated_at', 'desc')
      .orderBy('r.id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: Number(r.id),
      customerId: Number(r.customer_id),
      customerName: r.name,
      orderExternalId: r.external_id,
      origin: r.origin,
      state: r.state,
      reason: r.reason,
      resolution: r.resolution,
      value: Number(r.value),
      refundAmount: r.refund_amount === null ? null : Number(r.refund_amount),
      currency: r.currency,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    })),
  };
}

/**
 * One return with its lines, photos (not their bytes) and every state it passed through. The buyer's note shows the
 * phone numbers and e-mail addresses in it masked unless `reveal` (audited as a reveal of the buyer's personal data).
 */
export async function returnDetail(ctx: AppContext, id: number, reveal: { actor: Actor } | null = null): Promise<ReturnView> {
  const r = await ctx.db
    .selectFrom('return_requests as r')
    .innerJoin('orders as o', 'o.id', 'r.order_id')
    .innerJoin('channels as ch', 'ch.id', 'o.channel_id')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .selectAll('r')
    .select(['o.external_id', 'o.currency', 'ch.code as channel', 'c.name'])
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!r) throw returnErrors.notFound(id);
  if (reveal && r.note_enc)
    await recordAudit(ctx.db, {
      actor: reveal.actor,
      action: 'customer.reveal_pii',
      target: { type: 'customer', id: Number(r.customer_id) },
      details: { via: 'return', returnId: id },
    });
  const [lines, photos, history] = await Promise.all([
    ctx.db.selectFrom('return_lines').selectAll().where('return_id', '=', id).orderBy('id').execute(),
    ctx.db
      .selectFrom('return_photos')
      .select(['id', 'file_name', 'content_type', 'size'])
      .where('return_id', '=', id)
      .orderBy('id')
      .execute(),
    ctx.db.selectFrom('return_events').selectAll().where('return_id', '=', id).orderBy('id').execute(),
  ]);
  return {
    id,
    customerId: Number(r.customer_id),
    customerName: r.name,
    orderId: Number(r.order_id),
    orderExternalId: r.external_id,
    channel: r.channel,
    origin: r.origin,
    state: r.state,
    reason: r.reason,
    note: r.note_enc ? presentFreeText(ctx.keyring, r.note_enc, reveal !== null) : '',
    autoApproved: r.auto_approved,
    refundOnly: r.refund_only,
    rejectedReason: r.rejected_reason,
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    resolution: r.resolution,
    refundAmount: r.refund_amount === null ? null : Number(r.refund_amount),
    currency: r.currency,
    exchangeOrderId: r.exchange_order_id === null ? null : Number(r.exchange_order_id),
    creditPoints: r.credit_points,
    creditCoupon: r.credit_coupon,
    ticketId: r.ticket_id === null ? null : Number(r.ticket_id),
    value: lines.reduce((s, l) => s + l.quantity * Number(l.unit_price), 0),
    lines: lines.map((l) => ({
      id: Number(l.id),
      orderItemId: Number(l.order_item_id),
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: Number(l.unit_price),
      outcome: l.outcome,
      acceptedQuantity: l.accepted_quantity,
      refusalReason: l.refusal_reason,
    })),
    photos: photos.map((p) => ({ id: Number(p.id), fileName: p.file_name, contentType: p.content_type, size: p.size })),
    history: history.map((h) => ({ from: h.from_state, to: h.to_state, actor: h.actor, note: h.note, at: h.at.toISOString() })),
    pageUrl: returnUrl(ctx, id),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function photoOf(db: Db, returnId: number, photoId: number) {
  const p = await db
    .selectFrom('return_photos')
    .select(['file_name', 'content_type', 'data'])
    .where('return_id', '=', returnId)
    .where('id', '=', photoId)
    .executeTakeFirst();
  if (!p) throw returnErrors.notFound(returnId);
  return p;
}
