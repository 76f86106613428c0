import { type RawBuilder, type Selectable, sql } from 'kysely';
import type { CustomerDetail, CustomerPanelBody, CustomerSummary, OrderBody } from '../../../contracts/customers.ts';
import { batched, type CustomerTable, type Db, executePrepared } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type CustomerPanel, isoTime } from '../../platform/registry.ts';
import { type Keyring, blindIndex } from '../../platform/crypto.ts';
import { recordAudit } from '../audit/index.ts';
import { phoneTailIndex } from './customers.bulk.ts';
import { customerErrors } from './customers.errors.ts';
import { normalizeEmail, normalizeExternalId, normalizePhone } from './normalize.ts';
import { presentPii } from './present.ts';
import { canonicalProvince } from './regions.ts';

export type Row = Selectable<CustomerTable> & { first_channel: string | null; first_channel_name: string | null };
/** A list row: the profile with its stored metrics (read from analytics' customer_metrics, null until computed). */
type ListRow = Row & {
  orders_count: number | null;
  net_spent: number | null;
  last_order_at: Date | null;
  lifecycle_stage: string | null;
  rfm_group: string | null;
};

const NO_METRICS = { ordersCount: null, netSpent: null, lastOrderAt: null, lifecycleStage: null, rfmGroup: null };

export function presentSummary(keyring: Keyring, r: Row, reveal: boolean): CustomerSummary {
  return {
    ...NO_METRICS,
    id: r.id,
    name: r.name,
    gender: r.gender,
    province: r.province,
    city: r.city,
    email: presentPii(keyring, 'email', r.email_enc, reveal),
    phone: presentPii(keyring, 'phone', r.phone_enc, reveal),
    firstChannel: r.first_channel,
    firstChannelName: r.first_channel_name,
    createdAt: r.created_at.toISOString(),
  };
}

const withMetrics = (keyring: Keyring, r: ListRow): CustomerSummary => ({
  ...presentSummary(keyring, r, false),
  ordersCount: r.orders_count,
  netSpent: r.net_spent,
  lastOrderAt: r.last_order_at?.toISOString() ?? null,
  lifecycleStage: r.lifecycle_stage,
  rfmGroup: r.rfm_group,
});

const baseQuery = (db: Db) =>
  db
    .selectFrom('customers')
    .leftJoin('channels', 'channels.id', 'customers.first_channel_id')
    .selectAll('customers')
    .select(['channels.code as first_channel', 'channels.name as first_channel_name']);

/** Which customers: the same filter serves the list, bulk tagging and exports. */
export type CustomerFilter = { q?: string; channel?: string; province?: string; tag?: string; segment?: number };

export type ListCustomersOptions = CustomerFilter & {
  limit: number;
  offset: number;
  sort: 'created_at' | 'name' | 'id' | 'orders_count' | 'net_spent' | 'last_order_at';
  order: 'asc' | 'desc';
};

/** Which customers a search text means: exact e-mail/phone via blind index, exact external id, or name. */
function searchFilter(keyring: Keyring, q: string) {
  const email = q.includes('@') ? normalizeEmail(q) : null;
  if (email) return { kind: 'key' as const, keys: [{ kind: 'email', key: blindIndex(keyring, 'email', email) }] };
  const phone = /^[+\d][\d\s-]{5,}$/.test(q) ? normalizePhone(q) : null;
  const keys = [{ kind: 'external', key: normalizeExternalId(q) }];
  if (phone) keys.push({ kind: 'phone', key: blindIndex(keyring, 'phone', phone) });
  // Four digits: also the phones ending in them (their own blind index).
  const tail = /^\d{4}$/.test(q.trim()) ? phoneTailIndex(keyring, q.trim()) : null;
  return { kind: 'keyOrName' as const, keys, tail };
}

export function filteredCustomers(db: Db, keyring: Keyring, f: CustomerFilter) {
  let q = baseQuery(db).where('customers.merged_into', 'is', null);
  // A channel by its code or the name a seller sees (天猫旗舰店); a province as typed (上海, 沪, Shanghai → 上海市).
  if (f.channel) {
    const channel = f.channel;
    q = q.where((eb) => eb.or([eb('channels.code', '=', channel), eb('channels.name', '=', channel)]));
  }
  if (f.province) q = q.where('customers.province', '=', canonicalProvince(f.province) ?? f.province);
  if (f.tag) q = q.where('customers.id', 'in', db.selectFrom('customer_tags').select('customer_id').where('tag', '=', f.tag));
  // The one read of a segments table here: membership is the filter every bulk action and export needs.
  if (f.segment)
    q = q.where('customers.id', 'in', db.selectFrom('segment_members').select('customer_id').where('segment_id', '=', f.segment));
  if (f.q) {
    const s = searchFilter(keyring, f.q);
    const tail = s.kind === 'keyOrName' ? s.tail : null;
    const byKey = db
      .selectFrom('customer_identities')
      .select('customer_id')
      .where((eb) =>
        eb.or([
          ...s.keys.map((k) => eb.and([eb('kind', '=', k.kind as 'email'), eb('key', '=', k.key)])),
          ...(tail ? [eb('tail_bidx', '=', tail)] : []),
        ]),
      );
    const pattern = `%${f.q.replace(/[\\%_]/g, '\\$&')}%`;
    q = q.where((eb) =>
      s.kind === 'key' ? eb('customers.id', 'in', byKey) : eb.or([eb('customers.id', 'in', byKey), eb('customers.name', 'ilike', pattern)]),
    );
  }
  return q;
}

export async function listCustomers(db: Db, keyring: Keyring, opts: ListCustomersOptions) {
  const q = filteredCustomers(db, keyring, opts);
  const sortColumn = {
    created_at: sql.ref('customers.created_at'),
    name: sql.ref('customers.name'),
    id: sql.ref('customers.id'),
    orders_count: sql.ref('m.orders_count'),
    net_spent: sql.ref('m.net_spent'),
    last_order_at: sql.ref('m.last_order_at'),
  } as const;
  // The seller sorts by what customers are worth; people never computed yet (no metrics row) go last either way.
  const rows = q
    .leftJoin('customer_metrics as m', 'm.customer_id', 'customers.id')
    .select(['m.orders_count', 'm.net_spent', 'm.last_order_at', 'm.lifecycle_stage', 'm.rfm_group'])
    .orderBy(sql`${sortColumn[opts.sort]} ${sql.raw(opts.order)} nulls last`)
    .orderBy('customers.id', opts.order)
    .limit(opts.limit)
    .offset(opts.offset);
  const [items, total] = await Promise.all([
    rows.execute(),
    q.clearSelect().select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: items.map((r) => withMetrics(keyring, r as ListRow)), total: total.n };
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_(\d+)$/;

type PageAsked = { id: number; limit: number; before: { at: Date; id: number } | null };

/**
 * Pages of a customer's rows (newest first, by keyset cursor) for the people asked for at once, read together
 * (`batched`, as the 360's rows): one statement of fixed text for up to 64 pages, a first page (no cursor: before the
 * end of time) or a later one. `page` is the lateral read of one page: `limit k.rows` rows of `k.customer_id` before
 * `(k.at, k.before_id)`, compared as a row so that the index starts at the cursor (`time <= k.at`), however deep the
 * page. Read on its own, planned and started for each person, the timeline's first page cost
 * PostgreSQL more than the whole view (2026-12-07, M, 100 connections: 1,636 pages/s against 2,390 views/s).
 */
const batchedPages = <R>(page: RawBuilder<unknown>) =>
  batched<PageAsked, R[]>(
    async (db, asked) => {
      const { rows } = await executePrepared(
        db,
        sql<R & { k: number }>`
          select k.k::int as k, p.*
          from unnest(${asked.map((a) => a.id)}::bigint[], ${asked.map((a) => a.limit + 1)}::int[],
            ${asked.map((a) => a.before?.at ?? 'infinity')}::timestamptz[], ${asked.map((a) => a.before?.id ?? 0)}::bigint[])
            with ordinality as k(customer_id, rows, at, before_id, k)
          cross join lateral (${page}) p`,
      );
      const pages = new Map(asked.map((a) => [a, [] as R[]]));
      for (const r of rows) pages.get(asked[r.k - 1])?.push(r);
      return pages;
    },
    { concurrency: 2, maxBatch: 64 },
  );

const timelinePages = batchedPages<EventRow>(sql`
  select id, type, name, properties, occurred_at from events
  where customer_id = k.customer_id and (occurred_at, id) < (k.at, k.before_id)
  order by occurred_at desc, id desc limit k.rows`);

/** Orders with their items and parcels. */
const orderPages = batchedPages<OrderRow>(sql`
  select o.id, och.code as channel, och.name as channel_name, o.external_id, o.status, o.currency, o.total_amount,
    o.refunded_amount, o.placed_at, o.shipping_address_id,
    (select coalesce(json_agg(oi order by oi.id), '[]') from (
      select id, sku, name, quantity, unit_price, amount from order_items where order_id = o.id) oi) as items,
    (select coalesce(json_agg(json_build_object('carrier', sh.carrier, 'trackingNumber', sh.tracking_number, 'status', sh.status) order by sh.id), '[]')
      from shipments sh where sh.order_id = o.id) as shipments
  from orders o join channels och on och.id = o.channel_id
  where o.customer_id = k.customer_id and (o.placed_at, o.id) < (k.at, k.before_id)
  order by o.placed_at desc, o.id desc limit k.rows`);

/**
 * A page of a customer's rows, newest first, by keyset cursor (fast however many they have). An empty page is an
 * answer only for someone who exists (checked then only, not on every page).
 */
async function customerPage<R>(
  db: Db,
  pages: (db: Db, asked: PageAsked) => Promise<R[] | undefined>,
  customerId: number,
  opts: { limit: number; before?: string },
): Promise<R[]> {
  const before = opts.before ? cursorOf(opts.before) : null;
  const rows = (await pages(db, { id: customerId, limit: opts.limit, before })) ?? [];
  if (rows.length === 0) await assertActive(db, customerId);
  return rows;
}

/** A customer's events, newest first. */
export async function customerEvents(db: Db, customerId: number, opts: { limit: number; before?: string }) {
  return eventPage(await customerPage(db, timelinePages, customerId, opts), opts.limit);
}

/** A customer's orders with their items and parcels, newest first. */
export async function customerOrders(db: Db, customerId: number, opts: { limit: number; before?: string }) {
  return orderPage(await customerPage(db, orderPages, customerId, opts), opts.limit);
}

/** A person who exists and was not merged: else 404, a merged one saying where they went (as the 360 does). */
export async function assertActive(db: Db, id: number): Promise<void> {
  const row = await db.selectFrom('customers').select('merged_into').where('id', '=', id).executeTakeFirst();
  if (!row) throw customerErrors.notFound(id);
  if (row.merged_into !== null) throw customerErrors.merged(id, row.merged_into);
}

const cursorOf = (cursor: string) => {
  const m = CURSOR.exec(cursor);
  if (!m) throw customerErrors.badCursor();
  return { at: new Date(m[1]), id: Number(m[2]) };
};

type OrderRow = {
  id: number;
  channel: string;
  channel_name: string;
  external_id: string;
  status: string;
  currency: string;
  total_amount: number;
  refunded_amount: number;
  placed_at: Date | string;
  shipping_address_id: number | null;
  items: { sku: string; name: string; quantity: number; unit_price: number; amount: number }[];
  shipments: OrderBody['shipments'];
};

/** A page of orders from `limit + 1` rows, newest first: the extra row says whether there is a next page. */
function orderPage(rows: readonly OrderRow[], limit: number) {
  const page = rows.slice(0, limit).map((o) => ({
    id: o.id,
    channel: o.channel,
    channelName: o.channel_name,
    externalId: o.external_id,
    status: o.status,
    currency: o.currency,
    totalAmount: o.total_amount,
    refundedAmount: o.refunded_amount,
    placedAt: isoTime(o.placed_at),
    shippingAddressId: o.shipping_address_id,
    items: o.items.map((i) => ({ sku: i.sku, name: i.name, quantity: i.quantity, unitPrice: i.unit_price, amount: i.amount })),
    shipments: o.shipments,
  }));
  const last = page[page.length - 1];
  return { items: page, nextBefore: rows.length > limit && last ? `${last.placedAt}_${last.id}` : null };
}

type EventRow = { id: number; type: string; name: string; properties: unknown; occurred_at: Date | string };

/** A page of events from `limit + 1` rows, newest first: the extra row says whether there is a next page. */
function eventPage(rows: readonly EventRow[], limit: number) {
  const page = rows
    .slice(0, limit)
    .map((e) => ({ id: e.id, type: e.type, name: e.name, properties: e.properties, occurredAt: isoTime(e.occurred_at) }));
  const last = page[page.length - 1];
  return { items: page, nextBefore: rows.length > limit && last ? `${last.occurredAt}_${last.id}` : null };
}

export type GetCustomerOptions = {
  id: number;
  reveal: boolean;
  mayReveal: boolean;
  actor: Actor;
  now: Date;
};

type DetailRow = Row & {
  tags: string[];
  notes: { id: number; body: string; author_label: string; created_at: string }[];
  identities: {
    kind: 'email' | 'phone' | 'external' | 'anonymous';
    channel: string;
    key: string;
    value_enc: string | null;
    source: string;
    first_seen_at: string;
    last_seen_at: string;
  }[];
  addresses: {
    id: number;
    province: string | null;
    city: string | null;
    district: string | null;
    line_enc: string | null;
    source: string;
    first_seen_at: string;
    last_seen_at: string;
  }[];
  stats: { orders: number; net: number; first: string | null; last: string | null };
};

/**
 * Everything the 360° view shows first, in one statement (one round trip under load instead of eight): the
 * profile, and as JSON its tags, notes, identities, 20 latest addresses and order totals. The modules' panels are read
 * by a statement of their own (`customerPanels`), and so are the pages of orders and events (`customerOrders`,
 * `customerEvents`), which the admin's cards read beside the view: a person's events lie scattered over the largest
 * table, about a heap page an event, and reading them inside the view took a quarter of its throughput (2026-12-07,
 * M, 100 connections: 2,003–2,264 against 2,694–3,007 views/s); the first ten orders with their items and parcels,
 * half of it on a slower machine the same day (695–815 against 1,300–1,755 views/s, p99 268–547 against 158–208 ms).
 */
const detailQuery = (ids: number[]) => sql<DetailRow>`
  select c.*, ch.code as first_channel, ch.name as first_channel_name,
    (select coalesce(json_agg(t.tag order by t.tag), '[]') from customer_tags t where t.customer_id = c.id) as tags,
    (select coalesce(json_agg(n order by n.created_at desc), '[]') from (
      select id, body, author_label, created_at from customer_notes where customer_id = c.id order by created_at desc limit 100) n) as notes,
    (select coalesce(json_agg(i order by i.kind, i.first_seen_at), '[]') from (
      select kind, channel, key, value_enc, source, first_seen_at, last_seen_at from customer_identities where customer_id = c.id) i) as identities,
    (select coalesce(json_agg(a order by a.last_seen_at desc), '[]') from (
      select id, province, city, district, line_enc, source, first_seen_at, last_seen_at from customer_addresses
      where customer_id = c.id order by last_seen_at desc limit 20) a) as addresses,
    (select json_build_object('orders', count(*) filter (where paid_at is not null),
      'net', coalesce(sum(total_amount - refunded_amount) filter (where paid_at is not null), 0)
        - (select coalesce(sum(r.amount), 0) from refunds r where r.customer_id = c.id and r.order_id is null),
      'first', min(placed_at), 'last', max(placed_at))
      from orders where customer_id = c.id) as stats
  from customers c left join channels ch on ch.id = c.first_channel_id where c.id = any(${ids}::bigint[])`;

/**
 * The 360's rows of people viewed at once, read together (`batched`): one statement of fixed text, planned once
 * per connection, for up to 64 people.
 */
const detailRow = batched<number, DetailRow>(
  async (db, ids) => {
    const { rows } = await executePrepared(db, detailQuery(ids));
    return new Map(rows.map((r) => [r.id, r]));
  },
  { concurrency: 2, maxBatch: 64 },
);

/** The 360° view. Personal data is masked unless revealed; every reveal is audited. */
export async function getCustomer(db: Db, keyring: Keyring, opts: GetCustomerOptions): Promise<CustomerDetail> {
  if (opts.reveal && !opts.mayReveal) throw customerErrors.revealForbidden();
  const row = await detailRow(db, opts.id);
  if (!row) throw customerErrors.notFound(opts.id);
  if (row.merged_into !== null) throw customerErrors.merged(opts.id, row.merged_into);
  if (opts.reveal) {
    await recordAudit(db, { actor: opts.actor, action: 'customer.reveal_pii', target: { type: 'customer', id: opts.id } });
  }
  const summary = presentSummary(keyring, row, opts.reveal);
  // A person's e-mail and phone are most often also identities of theirs: the same value (the same blind index) is
  // decrypted once, not again for the identity (decryption was ~14% of the server's time under the 360's load).
  const shown = new Map([
    [`email ${row.email_bidx}`, summary.email],
    [`phone ${row.phone_bidx}`, summary.phone],
  ]);
  const identityValue = (i: DetailRow['identities'][number]) =>
    i.kind === 'email' || i.kind === 'phone'
      ? (shown.get(`${i.kind} ${i.key}`) ?? presentPii(keyring, i.kind, i.value_enc, opts.reveal))
      : i.key;
  return {
    customer: {
      ...summary,
      birthday: row.birthday,
      district: row.district,
      locale: row.locale,
      timeZone: row.time_zone,
      address: presentPii(keyring, 'address', row.address_enc, opts.reveal),
      updatedAt: row.updated_at.toISOString(),
    },
    revealed: opts.reveal,
    attributes: (row.attributes ?? {}) as Record<string, unknown>,
    tags: row.tags,
    notes: row.notes.map((n) => ({ id: n.id, body: n.body, author: n.author_label, createdAt: isoTime(n.created_at) })),
    identities: row.identities.map((i) => ({
      kind: i.kind,
      channel: i.channel,
      value: identityValue(i),
      source: i.source,
      firstSeenAt: isoTime(i.first_seen_at),
      lastSeenAt: isoTime(i.last_seen_at),
    })),
    addresses: row.addresses.map((a) => ({
      id: a.id,
      province: a.province,
      city: a.city,
      district: a.district,
      line: presentPii(keyring, 'address', a.line_enc, opts.reveal),
      source: a.source,
      firstSeenAt: isoTime(a.first_seen_at),
      lastSeenAt: isoTime(a.last_seen_at),
    })),
    stats: {
      orders: row.stats.orders,
      netSpent: Number(row.stats.net),
      firstOrderAt: row.stats.first ? isoTime(row.stats.first) : null,
      lastOrderAt: row.stats.last ? isoTime(row.stats.last) : null,
    },
  };
}

type PanelsRow = { id: number; merged_into: number | null; panels: unknown[] };
type PanelsAsked = { id: number; now: Date };

/** Per composition of modules, a batched read per set of panels asked for (the full set, the ticket sidebar's five …). */
const panelReaders = new WeakMap<readonly CustomerPanel[], Map<string, (db: Db, asked: PanelsAsked) => Promise<PanelsRow | undefined>>>();

/**
 * The read of `chosen` panels of people asked for at once, together (`batched`, as the 360's rows): one statement of
 * fixed text per set of panels, at one instant for the batch (the latest of its calls', milliseconds apart).
 */
function panelReader(all: readonly CustomerPanel[], chosen: readonly CustomerPanel[]) {
  let readers = panelReaders.get(all);
  if (!readers) {
    readers = new Map();
    panelReaders.set(all, readers);
  }
  const name = chosen.map((p) => p.key).join(',');
  let reader = readers.get(name);
  if (!reader) {
    reader = batched<PanelsAsked, PanelsRow>(
      async (db, asked) => {
        const now = new Date(Math.max(...asked.map((a) => a.now.getTime())));
        const { rows } = await executePrepared(
          db,
          sql<PanelsRow>`
            select c.id, c.merged_into, json_build_array(${sql.join(chosen.map((p) => p.select({ now })))}) as panels
            from customers c where c.id = any(${asked.map((a) => a.id)}::bigint[])`,
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        const found = new Map<PanelsAsked, PanelsRow>();
        for (const a of asked) {
          const row = byId.get(a.id);
          if (row) found.set(a, row);
        }
        return found;
      },
      { concurrency: 2, maxBatch: 64 },
    );
    readers.set(name, reader);
  }
  return reader;
}

/**
 * Every module's panel of a person (loyalty, messages, tickets …), in one statement of their own, read beside the 360
 * rather than in it: a panel's subplan is started, locked and run for everyone, those with no such records too, and
 * the ten panels doubled the cost of the 360's statement in PostgreSQL under load (2026-12-06, M: 2,490 against 5,010
 * executions/s on two cores). The view stays as cheap however many modules the server runs.
 */
export async function customerPanels(
  db: Db,
  opts: { id: number; panels: readonly CustomerPanel[]; keys?: readonly string[]; now: Date },
): Promise<{ items: CustomerPanelBody[] }> {
  const { id, now } = opts;
  // Those asked for (the ticket sidebar shows five), in the modules' order.
  const unknown = opts.keys?.find((k) => !opts.panels.some((p) => p.key === k));
  if (unknown !== undefined) throw customerErrors.unknownPanel(unknown);
  const panels = opts.keys ? opts.panels.filter((p) => opts.keys?.includes(p.key)) : opts.panels;
  const row = await panelReader(opts.panels, panels)(db, { id, now });
  if (!row) throw customerErrors.notFound(id);
  if (row.merged_into !== null) throw customerErrors.merged(id, row.merged_into);
  return { items: panels.map((p, i) => ({ key: p.key, ...p.present(row.panels[i], { customerId: id, now }) })) };
}

/** What the 360's panels are, the same for every person: their titles and labelled columns. */
export const panelDefinitions = (panels: readonly CustomerPanel[]) => ({
  items: panels.map((p) => ({ key: p.key, title: p.title, columns: [...p.columns] })),
});

/** The customer an id stands for now: itself, or whoever it was merged into (following later merges). */
export async function currentCustomerId(db: Db, id: number): Promise<number> {
  for (let current = id; ; ) {
    const c = await db.selectFrom('customers').select('merged_into').where('id', '=', current).executeTakeFirst();
    if (!c) throw customerErrors.notFound(id);
    if (c.merged_into === null) return current;
    current = c.merged_into;
  }
}

/** The display names of these customers (an erased or unnamed person: null), for lists other modules show. */
export async function customerNames(db: Db, ids: readonly number[]): Promise<Map<number, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('customers')
    .select(['id', 'name'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [Number(r.id), r.name]));
}
