import { sql } from 'kysely';
import type { DomainEventPayload } from '../../../contracts/events.ts';
import type { JourneyTrigger } from '../../../contracts/journeys.ts';
import type { Db } from '../../db/index.ts';
import type { Entrant } from './enter.ts';

type ProductTrigger = Extract<JourneyTrigger, { type: 'product' }>;
type ProductEvent = DomainEventPayload<'product.price_dropped'>;

/** Whether a catalogue change is one the trigger reacts to: its kind, and a drop deep enough. */
export function productTriggered(t: ProductTrigger, type: string, p: Pick<ProductEvent, 'previousPrice' | 'price'>): boolean {
  if (t.on === 'back_in_stock') return type === 'product.back_in_stock';
  return type === 'product.price_dropped' && p.previousPrice > 0 && (p.previousPrice - p.price) * 100 >= t.minDropPercent * p.previousPrice;
}

/** Tracked events (of the trigger's names, in its window before `at`) that name the product, by SKU or product id. */
const lookedAt = (t: ProductTrigger, product: { sku: string; externalId: string | null }, at: Date) => sql`
  select e.customer_id, max(e.occurred_at) as last_at from events e
  where e.name = any(${t.events}::text[]) and e.occurred_at >= ${new Date(at.getTime() - t.withinDays * 86_400_000)}
    and e.occurred_at <= ${at} and e.customer_id is not null
    and (e.properties->>'sku' = ${product.sku} or e.properties->>'product_id' = any(${[product.sku, product.externalId ?? product.sku]}::text[]))
  group by e.customer_id`;

/** Bought the product since they last looked at it: telling them it is cheaper now only annoys. */
const boughtSince = (productId: number) => sql`exists (
  select 1 from order_items oi join orders o on o.id = oi.order_id
  where oi.customer_id = l.customer_id and oi.product_id = ${productId} and o.placed_at >= l.last_at)`;

/**
 * The people a price drop or restock tells: who looked at the product (viewed it, put it in a cart) within the
 * trigger's window and has not bought it since. Each enters with the product (its name, price, the price before) for
 * the messages, once per change.
 */
export async function productEntrants(db: Db, t: ProductTrigger, key: string, p: ProductEvent, at: Date): Promise<Entrant[]> {
  const people = await sql<{ customer_id: number }>`
    select l.customer_id from (${lookedAt(t, p, at)}) l where not ${boughtSince(p.productId)}`.execute(db);
  const product = { sku: p.sku, name: p.name, price: p.price, previousPrice: p.previousPrice, currency: p.currency, stock: p.stock };
  return people.rows.map((r) => ({
    customerId: Number(r.customer_id),
    triggerKey: `${key}:${r.customer_id}`,
    context: { variables: { product } },
    at,
  }));
}

/** The people the trigger would have told over the changes the catalogue recorded since `since` (a dry run). */
export async function productAudienceSince(db: Db, t: ProductTrigger, since: Date): Promise<number[]> {
  const changes = await db
    .selectFrom('product_changes as c')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .select(['c.product_id', 'c.from_value', 'c.to_value', 'c.at', 'p.sku', 'p.external_id'])
    .where('c.kind', '=', t.on === 'price_drop' ? 'price_dropped' : 'back_in_stock')
    .where('c.at', '>=', since)
    .execute();
  const people = new Set<number>();
  for (const c of changes) {
    const type = t.on === 'price_drop' ? 'product.price_dropped' : 'product.back_in_stock';
    if (!productTriggered(t, type, { previousPrice: Number(c.from_value ?? 0), price: Number(c.to_value) })) continue;
    const rows = await sql<{ customer_id: number }>`
      select l.customer_id from (${lookedAt(t, { sku: c.sku, externalId: c.external_id }, c.at)}) l
      where not ${boughtSince(Number(c.product_id))}`.execute(db);
    for (const r of rows.rows) people.add(Number(r.customer_id));
  }
  return [...people];
}
