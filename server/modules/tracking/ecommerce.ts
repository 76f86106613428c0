import type { Db } from '../../db/index.ts';
import { type OrderLine, recordRefund, setOrderStatus, toMinor, upsertOrder, upsertProducts } from '../commerce/index.ts';

/** Segment e-commerce spec v2 events that change orders and products, not only the event log. */

type Props = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);

function lines(props: Props, currency: string): OrderLine[] {
  const products = Array.isArray(props.products) ? (props.products as Props[]) : [];
  return products.flatMap((p) => {
    const sku = str(p.sku) ?? str(p.product_id);
    if (!sku) return [];
    return [
      {
        sku,
        name: str(p.name) ?? sku,
        category: str(p.category),
        quantity: Math.max(1, Math.round(Number(p.quantity ?? 1)) || 1),
        unitPrice: toMinor(p.price, currency) ?? 0,
      },
    ];
  });
}

export type EcommerceContext = {
  customerId: number | null;
  channelId: number;
  /** The message's id (a refund's id when the event is Order Refunded). */
  messageId: string | null;
  source: string;
  occurredAt: Date;
  now: Date;
  defaultCurrency: () => Promise<string>;
};

/** Applies one e-commerce event; returns what it changed (for the response and tests). */
export async function applyEcommerce(trx: Db, event: string, props: Props, c: EcommerceContext): Promise<string | null> {
  const currencyOf = async () => (str(props.currency) ?? (await c.defaultCurrency())).toUpperCase();
  const orderId = str(props.order_id);
  if ((event === 'Order Completed' || event === 'Order Updated') && orderId && c.customerId !== null) {
    const currency = await currencyOf();
    const items = lines(props, currency);
    const subtotal = items.reduce((s, i) => s + i.unitPrice * i.quantity, 0);
    const total = toMinor(props.total, currency) ?? toMinor(props.revenue, currency) ?? subtotal;
    await upsertOrder(trx, {
      customerId: c.customerId,
      channelId: c.channelId,
      externalId: orderId,
      status: 'paid',
      currency,
      totalAmount: Math.max(0, total),
      discountAmount: toMinor(props.discount, currency) ?? 0,
      shippingAmount: toMinor(props.shipping, currency) ?? 0,
      couponCodes: str(props.coupon) ? [str(props.coupon)!] : [],
      placedAt: c.occurredAt,
      items,
      now: c.now,
    });
    return `order:${orderId}`;
  }
  if (event === 'Order Refunded' && orderId) {
    const currency = await currencyOf();
    const amount = toMinor(props.total, currency) ?? undefined;
    const refundId = c.messageId ?? `${event}:${c.occurredAt.toISOString()}`;
    const refund = await recordRefund(trx, {
      channelId: c.channelId,
      orderExternalId: orderId,
      refundId,
      amount,
      reason: str(props.reason),
      source: c.source,
      refundedAt: c.occurredAt,
      now: c.now,
    });
    return refund ? `refund:${orderId}` : null;
  }
  if (event === 'Order Cancelled' && orderId) {
    return (await setOrderStatus(trx, { channelId: c.channelId, externalId: orderId, status: 'cancelled', now: c.now }))
      ? `cancel:${orderId}`
      : null;
  }
  if (event.startsWith('Product ')) {
    const sku = str(props.sku) ?? str(props.product_id);
    const name = str(props.name);
    if (sku && name) {
      const currency = await currencyOf();
      await upsertProducts(trx, [
        { sku, name, category: str(props.category) ?? '', priceAmount: toMinor(props.price, currency) ?? 0, currency },
      ]);
      return `product:${sku}`;
    }
  }
  return null;
}
