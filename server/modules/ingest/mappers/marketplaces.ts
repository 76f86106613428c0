import type { OrderStatus, ShipmentStatus } from '../../../db/index.ts';
import { toMinor } from '../../commerce/index.ts';
import type { Identifier } from '../../identity/index.ts';
import { type CanonicalOrder, emptyTimes } from '../canonical.ts';

/**
 * Chinese marketplace orders (the generic JSON order format: `{ "platform": …, "order": {…} }`).
 * Receiver names, phones and addresses arrive encrypted or masked ("1********35") and are never used
 * as identities or stored as phone numbers; the buyer is known by the platform's stable buyer id.
 */
type Json = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const arr = (v: unknown) => (Array.isArray(v) ? (v as Json[]) : []);
/** `yyyy-MM-dd HH:mm:ss` in China time. */
const cnTime = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(v) ? new Date(`${v.replace(' ', 'T')}+08:00`) : null;
const unixSeconds = (v: unknown) =>
  typeof v === 'number' && v > 0 ? new Date(v * 1000) : typeof v === 'string' && /^\d+$/.test(v) ? new Date(Number(v) * 1000) : null;
const yuan = (v: unknown) => toMinor(v, 'CNY') ?? 0;

/** A parcel's status from its order's: delivered once the buyer signed or the trade finished, else on its way. */
const parcelStatus = (order: OrderStatus): ShipmentStatus => (order === 'delivered' || order === 'completed' ? 'delivered' : 'in_transit');

const TAOBAO_STATUS: Record<string, OrderStatus> = {
  TRADE_NO_CREATE_PAY: 'pending_payment',
  WAIT_BUYER_PAY: 'pending_payment',
  PAY_PENDING: 'pending_payment',
  WAIT_PRE_AUTH_CONFIRM: 'pending_payment',
  WAIT_SELLER_SEND_GOODS: 'paid',
  SELLER_CONSIGNED_PART: 'shipped',
  WAIT_BUYER_CONFIRM_GOODS: 'shipped',
  TRADE_BUYER_SIGNED: 'delivered',
  TRADE_FINISHED: 'completed',
  TRADE_CLOSED: 'refunded', // closed after payment: refunded in full
  TRADE_CLOSED_BY_TAOBAO: 'cancelled', // closed before payment
};

/** Taobao/Tmall trade (taobao.trade.fullinfo.get shape). */
export function taobaoOrder(t: Json): CanonicalOrder {
  const status = TAOBAO_STATUS[String(t.status)] ?? 'pending_payment';
  const total = yuan(t.payment);
  const subs = arr(t.orders);
  const refundedSubs = subs.filter((o) => o.refund_status === 'SUCCESS').reduce((sum, o) => sum + yuan(o.payment), 0);
  const ids: Identifier[] = [];
  if (s(t.ouid)) ids.push({ kind: 'external', channel: 'taobao', value: s(t.ouid)! });
  if (s(t.buyer_open_uid)) ids.push({ kind: 'external', channel: 'taobao_open_uid', value: s(t.buyer_open_uid)! });
  const finalStatus: OrderStatus =
    status !== 'refunded' && refundedSubs > 0 ? (refundedSubs >= total ? 'refunded' : 'partially_refunded') : status;
  return {
    externalId: String(t.tid),
    status: finalStatus,
    currency: 'CNY',
    totalAmount: total,
    discountAmount: yuan(t.discount_fee),
    shippingAmount: yuan(t.post_fee),
    refundedAmount: finalStatus === 'refunded' ? total : refundedSubs,
    couponCodes: [],
    placedAt: cnTime(t.created) ?? new Date(),
    ...emptyTimes,
    paidAt: cnTime(t.pay_time),
    shippedAt: cnTime(t.consign_time),
    completedAt: status === 'completed' ? cnTime(t.end_time) : null,
    cancelledAt: status === 'cancelled' ? (cnTime(t.end_time) ?? cnTime(t.modified)) : null,
    buyer: { identifiers: ids, profile: { province: s(t.receiver_state), city: s(t.receiver_city), district: s(t.receiver_district) } },
    // Each consigned sub-order names its carrier and waybill (invoice_no); several sub-orders may share one parcel.
    shipments: subs.flatMap((o) =>
      s(o.invoice_no)
        ? [
            {
              carrier: s(o.logistics_company) ?? null,
              trackingNumber: s(o.invoice_no)!,
              status: parcelStatus(finalStatus),
              shippedAt: cnTime(o.consign_time) ?? cnTime(t.consign_time),
            },
          ]
        : [],
    ),
    items: subs.map((o) => ({
      sku: s(o.outer_sku_id) ?? s(o.sku_id) ?? `taobao-${o.num_iid}`,
      name: s(o.title) ?? 'item',
      quantity: Number(o.num ?? 1),
      unitPrice: yuan(o.price),
    })),
  };
}

const DOUYIN_STATUS: Record<string, OrderStatus> = {
  '1': 'pending_payment',
  '105': 'paid',
  '2': 'paid',
  '101': 'shipped',
  '3': 'shipped',
  '4': 'cancelled',
  '5': 'completed',
};

/** Douyin shop order: numeric status, amounts in fen, Unix-second times. */
export function douyinOrder(d: Json): CanonicalOrder {
  const status = DOUYIN_STATUS[String(d.order_status)] ?? 'pending_payment';
  const fen = (v: unknown) => (typeof v === 'number' ? Math.round(v) : Number.isFinite(Number(v)) ? Math.round(Number(v)) : 0);
  const ids: Identifier[] = s(d.doudian_open_id) ? [{ kind: 'external', channel: 'douyin', value: s(d.doudian_open_id)! }] : [];
  const address = (d.post_addr ?? {}) as Json;
  const name = (v: unknown) => s((v as Json | undefined)?.name);
  return {
    externalId: String(d.order_id),
    status,
    currency: 'CNY',
    totalAmount: fen(d.pay_amount ?? d.order_amount),
    discountAmount: fen(d.promotion_amount),
    shippingAmount: fen(d.post_amount),
    refundedAmount: 0,
    couponCodes: [],
    placedAt: unixSeconds(d.create_time) ?? new Date(),
    ...emptyTimes,
    paidAt: unixSeconds(d.pay_time),
    shippedAt: unixSeconds(d.ship_time),
    completedAt: status === 'completed' ? unixSeconds(d.finish_time) : null,
    cancelledAt: status === 'cancelled' ? (unixSeconds(d.update_time) ?? new Date()) : null,
    buyer: { identifiers: ids, profile: { province: name(address.province), city: name(address.city), district: name(address.town) } },
    shipments: arr(d.logistics_info)
      .filter((l) => s(l.tracking_no))
      .map((l) => ({
        carrier: s(l.company_name) ?? s(l.company) ?? null,
        trackingNumber: s(l.tracking_no)!,
        status: parcelStatus(status),
        shippedAt: unixSeconds(l.ship_time),
      })),
    items: arr(d.sku_order_list).map((i) => ({
      sku: s(i.out_sku_id) ?? s(i.sku_id) ?? `douyin-${i.product_id}`,
      name: s(i.product_name) ?? 'item',
      quantity: Number(i.item_num ?? 1),
      unitPrice: Math.round(fen(i.origin_amount ?? i.sku_price) / Math.max(1, Number(i.item_num ?? 1))),
    })),
  };
}

const YOUZAN_STATUS: Record<string, OrderStatus> = {
  WAIT_BUYER_PAY: 'pending_payment',
  TRADE_PAID: 'paid',
  WAIT_CONFIRM: 'paid',
  WAIT_SELLER_SEND_GOODS: 'paid',
  WAIT_BUYER_CONFIRM_GOODS: 'shipped',
  TRADE_SUCCESS: 'completed',
  TRADE_CLOSED: 'cancelled',
};

/** Youzan `full_order_info` (field names unverified against live payloads; see REFERENCE.md). */
export function youzanOrder(y: Json): CanonicalOrder {
  const info = (y.full_order_info ?? y) as Json;
  const order = (info.order_info ?? {}) as Json;
  const buyer = (info.buyer_info ?? {}) as Json;
  const pay = (info.pay_info ?? {}) as Json;
  const address = (info.address_info ?? {}) as Json;
  const status = YOUZAN_STATUS[String(order.status)] ?? 'pending_payment';
  const ids: Identifier[] = s(buyer.yz_open_id) ? [{ kind: 'external', channel: 'youzan', value: s(buyer.yz_open_id)! }] : [];
  return {
    externalId: String(order.tid),
    status,
    currency: 'CNY',
    totalAmount: yuan(pay.payment ?? pay.total_fee),
    discountAmount: 0,
    shippingAmount: yuan(pay.post_fee),
    refundedAmount: 0,
    couponCodes: [],
    placedAt: cnTime(order.created) ?? new Date(),
    ...emptyTimes,
    paidAt: cnTime(order.pay_time),
    completedAt: status === 'completed' ? cnTime(order.success_time) : null,
    cancelledAt: status === 'cancelled' ? (cnTime(order.update_time) ?? new Date()) : null,
    buyer: {
      identifiers: ids,
      profile: { province: s(address.delivery_province), city: s(address.delivery_city), district: s(address.delivery_district) },
    },
    items: arr(info.orders).map((i) => ({
      sku: s(i.outer_sku_id) ?? s(i.sku_id) ?? `youzan-${i.item_id}`,
      name: s(i.title) ?? 'item',
      quantity: Number(i.num ?? 1),
      unitPrice: yuan(i.price),
    })),
  };
}

const JD_STATUS: Record<string, OrderStatus> = {
  WAIT_SELLER_STOCK_OUT: 'paid',
  WAIT_SELLER_DELIVERY: 'paid',
  SEND_TO_DISTRIBUTION_CENER: 'shipped',
  DISTRIBUTION_CENTER_RECEIVED: 'shipped',
  WAIT_GOODS_RECEIVE_CONFIRM: 'shipped',
  RECEIPTS_CONFIRM: 'delivered',
  FINISHED_L: 'completed',
  TRADE_CANCELED: 'cancelled',
  LOCKED: 'paid',
  POP_ORDER_PAUSE: 'paid',
};

/** JD (京东 POP) order, `jingdong.pop.order.get` shape: yuan strings, China-time strings, the buyer by open id. */
export function jdOrder(j: Json): CanonicalOrder {
  const status = JD_STATUS[String(j.orderState)] ?? 'pending_payment';
  const buyerId = s(j.open_id_buyer) ?? s(j.open_id) ?? s(j.pin);
  const ids: Identifier[] = buyerId ? [{ kind: 'external', channel: 'jd', value: buyerId }] : [];
  const consignee = (j.consigneeInfo ?? {}) as Json;
  const waybills = (s(j.waybill) ?? '').split(/[,，;\s]+/).filter(Boolean);
  return {
    externalId: String(j.orderId),
    status,
    currency: 'CNY',
    totalAmount: yuan(j.orderPayment ?? j.orderTotalPrice),
    discountAmount: yuan(j.sellerDiscount),
    shippingAmount: yuan(j.freightPrice),
    refundedAmount: 0,
    couponCodes: [],
    placedAt: cnTime(j.orderStartTime) ?? new Date(),
    ...emptyTimes,
    paidAt: cnTime(j.paymentConfirmTime),
    completedAt: status === 'completed' ? cnTime(j.orderEndTime) : null,
    cancelledAt: status === 'cancelled' ? (cnTime(j.modified) ?? cnTime(j.orderEndTime) ?? new Date()) : null,
    buyer: { identifiers: ids, profile: { province: s(consignee.province), city: s(consignee.city), district: s(consignee.county) } },
    shipments: waybills.map((trackingNumber) => ({
      carrier: s(j.logisticsName) ?? s(j.logisticsId) ?? null,
      trackingNumber,
      status: parcelStatus(status),
      shippedAt: null,
    })),
    items: arr(j.itemInfoList).map((i) => ({
      sku: s(i.outerSkuId) ?? s(i.skuId) ?? `jd-${i.wareId}`,
      name: s(i.skuName) ?? 'item',
      quantity: Number(i.itemTotal ?? 1),
      unitPrice: yuan(i.jdPrice),
    })),
  };
}

export const MARKETPLACE_MAPPERS = { taobao: taobaoOrder, douyin: douyinOrder, youzan: youzanOrder, jd: jdOrder } as const;
export type Marketplace = keyof typeof MARKETPLACE_MAPPERS;
