import type { OrderStatus } from '../../../db/index.ts';
import { type CatalogueProduct, toMinor } from '../../commerce/index.ts';
import type { Identifier } from '../../identity/index.ts';
import { type CanonicalCustomer, type CanonicalOrder, emptyTimes } from '../canonical.ts';

type Json = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const gmt = (v: unknown) => (typeof v === 'string' && v ? new Date(/Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`) : null);

const STATUS: Record<string, OrderStatus> = {
  pending: 'pending_payment',
  'on-hold': 'pending_payment',
  'checkout-draft': 'pending_payment',
  processing: 'paid',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'cancelled',
  refunded: 'refunded',
};

function people(customerId: unknown, billing: Json): Identifier[] {
  const ids: Identifier[] = [];
  if (customerId && Number(customerId) !== 0) ids.push({ kind: 'external', channel: 'woocommerce', value: String(customerId) });
  if (s(billing.email)) ids.push({ kind: 'email', value: s(billing.email)! });
  if (s(billing.phone)) ids.push({ kind: 'phone', value: s(billing.phone)! });
  return ids;
}

const profileOf = (b: Json) => ({
  name: [s(b.last_name), s(b.first_name)].filter(Boolean).join(' ') || undefined,
  province: s(b.state),
  city: s(b.city),
  address: s(b.address_1),
});

export function wooCustomer(c: Json): CanonicalCustomer {
  const billing = (c.billing ?? {}) as Json;
  return {
    identifiers: people(c.id, { ...billing, email: c.email ?? billing.email }),
    profile: { ...profileOf(billing), name: [s(c.last_name), s(c.first_name)].filter(Boolean).join(' ') || profileOf(billing).name },
  };
}

/** WooCommerce order webhook → canonical. Guest orders (customer_id 0) are known by billing e-mail/phone. */
export function wooOrder(o: Json): CanonicalOrder {
  const currency = (s(o.currency) ?? 'CNY').toUpperCase();
  const money = (v: unknown) => toMinor(v, currency) ?? 0;
  const status = STATUS[String(o.status)] ?? 'pending_payment';
  const billing = (o.billing ?? {}) as Json;
  const shipping = (o.shipping ?? {}) as Json;
  const refunds = Array.isArray(o.refunds) ? (o.refunds as Json[]) : [];
  const placedAt = gmt(o.date_created_gmt) ?? gmt(o.date_created) ?? new Date();
  return {
    externalId: String(o.id),
    status,
    currency,
    totalAmount: money(o.total),
    discountAmount: money(o.discount_total),
    shippingAmount: money(o.shipping_total),
    refundedAmount: status === 'refunded' ? money(o.total) : refunds.reduce((sum, r) => sum + Math.abs(money(r.total)), 0),
    couponCodes: (Array.isArray(o.coupon_lines) ? (o.coupon_lines as Json[]) : [])
      .map((c) => s(c.code))
      .filter((c): c is string => Boolean(c)),
    placedAt,
    ...emptyTimes,
    paidAt: gmt(o.date_paid_gmt) ?? gmt(o.date_paid),
    completedAt: gmt(o.date_completed_gmt) ?? gmt(o.date_completed),
    cancelledAt: status === 'cancelled' ? (gmt(o.date_modified_gmt) ?? new Date()) : null,
    buyer: {
      identifiers: people(o.customer_id, billing),
      profile: { ...profileOf(billing), province: s(shipping.state) ?? s(billing.state), city: s(shipping.city) ?? s(billing.city) },
    },
    items: (Array.isArray(o.line_items) ? (o.line_items as Json[]) : []).map((li) => ({
      sku: s(li.sku) ?? `woo-${li.variation_id || li.product_id}`,
      name: s(li.name) ?? 'item',
      quantity: Number(li.quantity ?? 1),
      unitPrice: toMinor(li.price, currency) ?? Math.round(money(li.subtotal) / Math.max(1, Number(li.quantity ?? 1))),
    })),
  };
}

/**
 * A product.created or product.updated payload → the catalogue product: its SKU as order lines name it (else
 * `woo-<id>`), the current price (the sale price while one runs) in the store currency, the counted stock when
 * WooCommerce manages it, else only whether it is in stock (stock_status).
 */
export function wooProduct(p: Json, currency: string): CatalogueProduct {
  const categories = Array.isArray(p.categories) ? (p.categories as Json[]) : [];
  const counted = p.manage_stock === true && typeof p.stock_quantity === 'number';
  return {
    sku: s(p.sku) ?? `woo-${p.id}`,
    name: s(p.name) ?? 'item',
    category: s(categories[0]?.name) ?? '',
    priceAmount: toMinor(s(p.price) ?? s(p.regular_price) ?? '0', currency) ?? 0,
    currency,
    stock: counted ? Math.max(0, p.stock_quantity as number) : null,
    inStock: counted || typeof p.stock_status !== 'string' ? undefined : p.stock_status !== 'outofstock',
    externalId: s(p.id) ?? null,
  };
}
