import { type Selectable, sql } from 'kysely';
import type { CustomerDetail, CustomerSummary } from '../../../contracts/customers.ts';
import type { CustomerTable, Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type Keyring, blindIndex } from '../../platform/crypto.ts';
import { recordAudit } from '../audit/index.ts';
import { customerErrors } from './customers.errors.ts';
import { normalizeEmail, normalizeExternalId, normalizePhone } from './normalize.ts';
import { presentPii } from './present.ts';
import { notesOf, tagsOf } from './tags.service.ts';

export type Row = Selectable<CustomerTable> & { first_channel: string | null };

export function presentSummary(keyring: Keyring, r: Row, reveal: boolean): CustomerSummary {
  return {
    id: r.id,
    name: r.name,
    gender: r.gender,
    province: r.province,
    city: r.city,
    email: presentPii(keyring, 'email', r.email_enc, reveal),
    phone: presentPii(keyring, 'phone', r.phone_enc, reveal),
    firstChannel: r.first_channel,
    createdAt: r.created_at.toISOString(),
  };
}

const baseQuery = (db: Db) =>
  db.selectFrom('customers').leftJoin('channels', 'channels.id', 'customers.first_channel_id').selectAll('customers').select('channels.code as first_channel');

/** Which customers: the same filter serves the list, bulk tagging and exports. */
export type CustomerFilter = { q?: string; channel?: string; province?: string; tag?: string; segment?: number };

export type ListCustomersOptions = CustomerFilter & {
  limit: number;
  offset: number;
  sort: 'created_at' | 'name' | 'id';
  order: 'asc' | 'desc';
};

/** Which customers a search text means: exact e-mail/phone via blind index, exact external id, or name. */
function searchFilter(keyring: Keyring, q: string) {
  const email = q.includes('@') ? normalizeEmail(q) : null;
  if (email) return { kind: 'key' as const, keys: [{ kind: 'email', key: blindIndex(keyring, 'email', email) }] };
  const phone = /^[+\d][\d\s-]{5,}$/.test(q) ? normalizePhone(q) : null;
  const keys = [{ kind: 'external', key: normalizeExternalId(q) }];
  if (phone) keys.push({ kind: 'phone', key: blindIndex(keyring, 'phone', phone) });
  return { kind: 'keyOrName' as const, keys };
}

export function filteredCustomers(db: Db, keyring: Keyring, f: CustomerFilter) {
  let q = baseQuery(db).where('customers.merged_into', 'is', null);
  if (f.channel) q = q.where('channels.code', '=', f.channel);
  if (f.province) q = q.where('customers.province', '=', f.province);
  if (f.tag) q = q.where('customers.id', 'in', db.selectFrom('customer_tags').select('customer_id').where('tag', '=', f.tag));
  // The one read of a segments table here: membership is the filter every bulk action and export needs.
  if (f.segment) q = q.where('customers.id', 'in', db.selectFrom('segment_members').select('customer_id').where('segment_id', '=', f.segment));
  if (f.q) {
    const s = searchFilter(keyring, f.q);
    const byKey = db
      .selectFrom('customer_identities')
      .select('customer_id')
      .where((eb) => eb.or(s.keys.map((k) => eb.and([eb('kind', '=', k.kind as 'email'), eb('key', '=', k.key)]))));
    const pattern = `%${f.q.replace(/[\\%_]/g, '\\$&')}%`;
    q = q.where((eb) =>
      s.kind === 'key' ? eb('customers.id', 'in', byKey) : eb.or([eb('customers.id', 'in', byKey), eb('customers.name', 'ilike', pattern)]),
    );
  }
  return q;
}

export async function listCustomers(db: Db, keyring: Keyring, opts: ListCustomersOptions) {
  const q = filteredCustomers(db, keyring, opts);
  const sortColumn = { created_at: 'customers.created_at', name: 'customers.name', id: 'customers.id' } as const;
  const [rows, total] = await Promise.all([
    q.orderBy(sortColumn[opts.sort], opts.order).orderBy('customers.id', opts.order).limit(opts.limit).offset(opts.offset).execute(),
    q.clearSelect().select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((r) => presentSummary(keyring, r as Row, false)), total: total.n };
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_(\d+)$/;

/** A customer's events, newest first, by keyset cursor (fast however many events they have). */
export async function customerEvents(db: Db, customerId: number, opts: { limit: number; before?: string }) {
  let q = db.selectFrom('events').select(['id', 'type', 'name', 'properties', 'occurred_at']).where('customer_id', '=', customerId);
  if (opts.before) {
    const m = CURSOR.exec(opts.before);
    if (!m) throw customerErrors.badCursor();
    const at = new Date(m[1]);
    const id = Number(m[2]);
    q = q.where((eb) => eb.or([eb('occurred_at', '<', at), eb.and([eb('occurred_at', '=', at), eb('id', '<', id)])]));
  }
  const rows = await q.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(opts.limit + 1).execute();
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((e) => ({ id: e.id, type: e.type, name: e.name, properties: e.properties, occurredAt: e.occurred_at.toISOString() })),
    nextBefore: rows.length > opts.limit && last ? `${last.occurred_at.toISOString()}_${last.id}` : null,
  };
}

async function customerOrders(db: Db, customerId: number) {
  const orders = await db
    .selectFrom('orders')
    .innerJoin('channels', 'channels.id', 'orders.channel_id')
    .select(['orders.id', 'channels.code as channel', 'external_id', 'status', 'currency', 'total_amount', 'refunded_amount', 'placed_at'])
    .where('customer_id', '=', customerId)
    .orderBy('placed_at', 'desc')
    .limit(100)
    .execute();
  const items = orders.length
    ? await db.selectFrom('order_items').select(['order_id', 'sku', 'name', 'quantity', 'unit_price', 'amount']).where('order_id', 'in', orders.map((o) => o.id)).execute()
    : [];
  return orders.map((o) => ({
    id: o.id,
    channel: o.channel,
    externalId: o.external_id,
    status: o.status,
    currency: o.currency,
    totalAmount: o.total_amount,
    refundedAmount: o.refunded_amount,
    placedAt: o.placed_at.toISOString(),
    items: items.filter((i) => i.order_id === o.id).map((i) => ({ sku: i.sku, name: i.name, quantity: i.quantity, unitPrice: i.unit_price, amount: i.amount })),
  }));
}

export type GetCustomerOptions = { id: number; reveal: boolean; mayReveal: boolean; actor: Actor };

/** The 360° view. Personal data is masked unless revealed; every reveal is audited. */
export async function getCustomer(db: Db, keyring: Keyring, opts: GetCustomerOptions): Promise<CustomerDetail> {
  if (opts.reveal && !opts.mayReveal) throw customerErrors.revealForbidden();
  const row = (await baseQuery(db).where('customers.id', '=', opts.id).executeTakeFirst()) as Row | undefined;
  if (!row) throw customerErrors.notFound(opts.id);
  if (row.merged_into !== null) throw customerErrors.merged(opts.id, row.merged_into);
  const [tags, notes, identities, orders, events, stats] = await Promise.all([
    tagsOf(db, opts.id),
    notesOf(db, opts.id),
    db.selectFrom('customer_identities').selectAll().where('customer_id', '=', opts.id).orderBy('kind').orderBy('first_seen_at').execute(),
    customerOrders(db, opts.id),
    customerEvents(db, opts.id, { limit: 50 }),
    db
      .selectFrom('orders')
      .select([
        sql<number>`count(*) filter (where paid_at is not null)::int`.as('orders'),
        sql<number>`coalesce(sum(total_amount - refunded_amount) filter (where paid_at is not null), 0)::bigint`.as('net'),
        sql<Date | null>`min(placed_at)`.as('first'),
        sql<Date | null>`max(placed_at)`.as('last'),
      ])
      .where('customer_id', '=', opts.id)
      .executeTakeFirstOrThrow(),
  ]);
  if (opts.reveal) {
    await recordAudit(db, { actor: opts.actor, action: 'customer.reveal_pii', target: { type: 'customer', id: opts.id } });
  }
  return {
    customer: {
      ...presentSummary(keyring, row, opts.reveal),
      birthday: row.birthday,
      district: row.district,
      locale: row.locale,
      timeZone: row.time_zone,
      address: presentPii(keyring, 'address', row.address_enc, opts.reveal),
      updatedAt: row.updated_at.toISOString(),
    },
    revealed: opts.reveal,
    tags,
    notes,
    identities: identities.map((i) => ({
      kind: i.kind,
      channel: i.channel,
      value: i.kind === 'email' || i.kind === 'phone' ? presentPii(keyring, i.kind, i.value_enc, opts.reveal) : i.key,
      source: i.source,
      firstSeenAt: i.first_seen_at.toISOString(),
      lastSeenAt: i.last_seen_at.toISOString(),
    })),
    stats: {
      orders: stats.orders,
      netSpent: Number(stats.net),
      firstOrderAt: stats.first ? new Date(stats.first).toISOString() : null,
      lastOrderAt: stats.last ? new Date(stats.last).toISOString() : null,
    },
    orders,
    events,
  };
}
