import { sql } from 'kysely';
import type { Db, ShipmentStatus } from '../../db/index.ts';

/** A parcel of an order as a platform, a marketplace or the shop's own system reports it. */
export type ShipmentInput = {
  carrier?: string | null;
  trackingNumber: string;
  status: ShipmentStatus;
  shippedAt?: Date | null;
  deliveredAt?: Date | null;
};

/**
 * Records an order's parcels by tracking number (a later report of the same parcel updates its carrier and status;
 * a delivery time, once known, stays), then moves the order along: a parcel on its way makes a paid order shipped,
 * every parcel delivered makes it delivered. Statuses past those (completed, refunded, cancelled) are left alone.
 */
export async function recordShipments(
  trx: Db,
  o: { orderId: number; customerId: number; shipments: readonly ShipmentInput[]; source: string; now: Date },
) {
  const parcels = [...new Map(o.shipments.map((s) => [s.trackingNumber, s])).values()];
  if (parcels.length === 0) return;
  const col = <T>(f: (s: ShipmentInput) => T) => parcels.map(f);
  const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
  await sql`
    insert into shipments (order_id, customer_id, carrier, tracking_number, status, source, shipped_at, delivered_at, updated_at)
    select ${o.orderId}, ${o.customerId}, u.carrier, u.tracking_number, u.status, ${o.source}, coalesce(u.shipped_at, ${o.now}),
      case when u.status = 'delivered' then coalesce(u.delivered_at, ${o.now}) else u.delivered_at end, ${o.now}
    from unnest(${col((s) => s.carrier ?? null)}::text[], ${col((s) => s.trackingNumber)}::text[], ${col((s) => s.status)}::text[],
      ${col((s) => iso(s.shippedAt))}::timestamptz[], ${col((s) => iso(s.deliveredAt))}::timestamptz[]) as u(carrier, tracking_number, status, shipped_at, delivered_at)
    on conflict (order_id, tracking_number) do update set carrier = coalesce(excluded.carrier, shipments.carrier), status = excluded.status,
      shipped_at = coalesce(shipments.shipped_at, excluded.shipped_at), delivered_at = coalesce(shipments.delivered_at, excluded.delivered_at),
      updated_at = excluded.updated_at`.execute(trx);
  await sql`
    with p as (
      select min(shipped_at) as shipped_at, bool_and(status = 'delivered') as all_delivered, max(delivered_at) as delivered_at
      from shipments where order_id = ${o.orderId}
    )
    update orders o set
      shipped_at = coalesce(o.shipped_at, p.shipped_at),
      delivered_at = case when p.all_delivered then coalesce(o.delivered_at, p.delivered_at) else o.delivered_at end,
      status = case when p.all_delivered and o.status in ('paid', 'shipped') then 'delivered'
                    when o.status = 'paid' then 'shipped' else o.status end,
      updated_at = ${o.now}
    from p where o.id = ${o.orderId}`.execute(trx);
}

/** Records one parcel of an order named by (channel, external id); null when the order is unknown. */
export async function recordShipment(
  trx: Db,
  s: ShipmentInput & { channelId: number; orderExternalId: string; source: string; now: Date },
) {
  const order = await trx
    .selectFrom('orders')
    .select(['id', 'customer_id'])
    .where('channel_id', '=', s.channelId)
    .where('external_id', '=', s.orderExternalId)
    .executeTakeFirst();
  if (!order) return null;
  await recordShipments(trx, { orderId: order.id, customerId: order.customer_id, shipments: [s], source: s.source, now: s.now });
  const parcel = await trx
    .selectFrom('shipments')
    .select(['id', 'status'])
    .where('order_id', '=', order.id)
    .where('tracking_number', '=', s.trackingNumber)
    .executeTakeFirstOrThrow();
  return { shipmentId: parcel.id, orderId: order.id, status: parcel.status };
}
