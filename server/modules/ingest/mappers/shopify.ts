import type { OrderStatus, ShipmentStatus } from '../../../db/index.ts';
import { type CatalogueProduct, type ShipmentInput, toMinor } from '../../commerce/index.ts';
import type { Identifier } from '../../identity/index.ts';
import { type CanonicalCustomer, type CanonicalOrder, emptyTimes } from '../canonical.ts';

/** Shopify REST webhook payloads (orders/*, customers/*, products/*) → canonical shapes. Money values are strings. */

type Json = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const date = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : null);

function status(o: Json): OrderStatus {
  if (o.cancelled_at) return 'cancelled';
  switch (o.financial_status) {
    case 'paid':
      return o.fulfillment_status === 'fulfilled' ? 'shipped' : 'paid';
    case 'partially_refunded':
      return 'partially_refunded';
    case 'refunded':
      return 'refunded';
    case 'voided':
    case 'expired':
      return 'cancelled';
    default:
      return 'pending_payment'; // pending, authorized, partially_paid
  }
}

export function shopifyCustomer(c: Json, fallback: { email?: unknown; phone?: unknown } = {}): CanonicalCustomer {
  const ids: Identifier[] = [];
  if (c.id !== undefined && c.id !== null) ids.push({ kind: 'external', channel: 'shopify', value: String(c.id) });
  const email = s(c.email) ?? s(fallback.email);
  const phone = s(c.phone) ?? s(fallback.phone);
  if (email) ids.push({ kind: 'email', value: email });
  if (phone) ids.push({ kind: 'phone', value: phone });
  const address = (c.default_address ?? {}) as Json;
  const name = [s(c.last_name), s(c.first_name)].filter(Boolean).join(' ');
  return {
    identifiers: ids,
    profile: { name: name || undefined, province: s(address.province), city: s(address.city), address: s(address.address1) },
  };
}

export function shopifyOrder(o: Json): CanonicalOrder {
  const currency = (s(o.currency) ?? 'CNY').toUpperCase();
  const money = (v: unknown) => toMinor(v, currency) ?? 0;
  const refunds = Array.isArray(o.refunds) ? (o.refunds as Json[]) : [];
  const refunded = refunds
    .flatMap((r) => (Array.isArray(r.transactions) ? (r.transactions as Json[]) : []))
    .reduce((sum, t) => sum + money(t.amount), 0);
  const st = status(o);
  const placedAt = date(o.created_at) ?? new Date();
  const buyer = shopifyCustomer((o.customer ?? {}) as Json, { email: o.email, phone: o.phone });
  const ship = (o.shipping_address ?? {}) as Json;
  buyer.profile = {
    ...buyer.profile,
    province: s(ship.province) ?? buyer.profile.province,
    city: s(ship.city) ?? buyer.profile.city,
    address: s(ship.address1) ?? buyer.profile.address,
  };
  return {
    externalId: String(o.id),
    status: st,
    currency,
    totalAmount: money(o.total_price),
    discountAmount: money(o.total_discounts),
    shippingAmount: 0,
    refundedAmount: st === 'refunded' ? money(o.total_price) : refunded,
    couponCodes: (Array.isArray(o.discount_codes) ? (o.discount_codes as Json[]) : [])
      .map((d) => s(d.code))
      .filter((c): c is string => Boolean(c)),
    placedAt,
    ...emptyTimes,
    paidAt: st === 'pending_payment' || st === 'cancelled' ? null : (date(o.processed_at) ?? placedAt),
    cancelledAt: date(o.cancelled_at),
    buyer,
    shipments: (Array.isArray(o.fulfillments) ? (o.fulfillments as Json[]) : []).flatMap(shopifyFulfillment),
    items: (Array.isArray(o.line_items) ? (o.line_items as Json[]) : []).map((li) => ({
      sku: s(li.sku) ?? `shopify-variant-${li.variant_id ?? li.product_id ?? li.id}`,
      name: s(li.title) ?? s(li.name) ?? 'item',
      quantity: Number(li.quantity ?? 1),
      unitPrice: money(li.price),
    })),
  };
}

/** Shopify's shipment_status of a fulfilment → Patron's parcel status. */
const SHIPMENT_STATUS: Record<string, ShipmentStatus> = {
  label_printed: 'pending',
  label_purchased: 'pending',
  confirmed: 'in_transit',
  in_transit: 'in_transit',
  attempted_delivery: 'out_for_delivery',
  ready_for_pickup: 'out_for_delivery',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  failure: 'failed',
};

/** A fulfilment (an order's `fulfillments[]`, or the fulfillments/* topics) → its parcels, one per tracking number. */
export function shopifyFulfillment(f: Json): ShipmentInput[] {
  const numbers =
    Array.isArray(f.tracking_numbers) && f.tracking_numbers.length > 0 ? (f.tracking_numbers as unknown[]).map(s) : [s(f.tracking_number)];
  const status = f.status === 'cancelled' ? 'returned' : (SHIPMENT_STATUS[String(f.shipment_status ?? '')] ?? 'in_transit');
  const at = date(f.created_at);
  return numbers
    .filter((n): n is string => Boolean(n))
    .map((trackingNumber) => ({
      carrier: s(f.tracking_company) ?? null,
      trackingNumber,
      status,
      shippedAt: at,
      deliveredAt: status === 'delivered' ? date(f.updated_at) : null,
    }));
}

/** refunds/create: which order, this refund's id, and the amount it refunded. */
export function shopifyRefund(
  r: Json,
  currency: string,
): { orderId: string; refundId: string | null; amount: number; reason: string | null; at: Date | null } {
  const transactions = Array.isArray(r.transactions) ? (r.transactions as Json[]) : [];
  const amount = transactions
    .filter((t) => t.kind === undefined || t.kind === 'refund')
    .reduce((sum, t) => sum + (toMinor(t.amount, currency) ?? 0), 0);
  const at = typeof r.created_at === 'string' ? new Date(r.created_at) : null;
  return {
    orderId: String(r.order_id),
    refundId: r.id === undefined || r.id === null ? null : String(r.id),
    amount,
    reason: typeof r.note === 'string' && r.note ? r.note : null,
    at: at && !Number.isNaN(at.getTime()) ? at : null,
  };
}

/**
 * A products/create or products/update payload → its variants as catalogue products: the SKU as order lines name it
 * (else `shopify-variant-<id>`), the product's title with the variant's, price in the store currency (Shopify's product
 * payload has none), stock when Shopify tracks the variant's inventory, and the product id tracked events name.
 */
export function shopifyProducts(p: Json, currency: string): CatalogueProduct[] {
  const variants = Array.isArray(p.variants) ? (p.variants as Json[]) : [];
  const title = s(p.title) ?? 'item';
  return variants.map((v) => {
    const variant = s(v.title);
    return {
      sku: s(v.sku) ?? `shopify-variant-${v.id}`,
      name: variant && variant !== 'Default Title' ? `${title} - ${variant}` : title,
      category: s(p.product_type) ?? '',
      priceAmount: toMinor(v.price, currency) ?? 0,
      currency,
      stock: v.inventory_management && typeof v.inventory_quantity === 'number' ? Math.max(0, v.inventory_quantity) : null,
      externalId: s(p.id) ?? null,
    };
  });
}
