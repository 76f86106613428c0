import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../../platform/csv-safe.ts';
import { sql } from 'kysely';
import type { ConsentTable, Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { forgetPersonalExtras, presentPii, tombstoneIdentities } from '../customers/index.ts';
import { tarGz } from './archive.ts';

export type ConsentInput = Pick<ConsentTable, 'channel' | 'purpose' | 'status' | 'source'> & { evidence?: string };

export const privacyErrors = {
  notFound: (id: number) => new AppError('CUSTOMER_NOT_FOUND', 'not_found', `Customer ${id} does not exist.`),
  alreadyErased: (id: number) => new AppError('CUSTOMER_ERASED', 'conflict', `Customer ${id}'s personal data has already been erased.`),
};

async function activeCustomer(db: Db, id: number) {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).where('merged_into', 'is', null).executeTakeFirst();
  if (!row) throw privacyErrors.notFound(id);
  return row;
}

/** Appends to the consent ledger (withdrawal is a new row; history is never rewritten). */
export async function recordConsent(db: Db, opts: { customerId: number; consent: ConsentInput; actor: Actor }) {
  await activeCustomer(db, opts.customerId);
  return db
    .insertInto('consents')
    .values({ customer_id: opts.customerId, ...opts.consent, evidence: opts.consent.evidence ?? null, actor_label: opts.actor.label })
    .returning(['id', 'recorded_at'])
    .executeTakeFirstOrThrow();
}

export async function consentsOf(db: Db, customerId: number) {
  const ledger = await db.selectFrom('consents').selectAll().where('customer_id', '=', customerId).orderBy('recorded_at', 'desc').orderBy('id', 'desc').execute();
  const current = new Map<string, (typeof ledger)[number]>();
  for (const row of ledger) if (!current.has(`${row.channel}/${row.purpose}`)) current.set(`${row.channel}/${row.purpose}`, row);
  const view = (r: (typeof ledger)[number]) => ({ channel: r.channel, purpose: r.purpose, status: r.status, source: r.source, evidence: r.evidence, actor: r.actor_label, recordedAt: r.recorded_at.toISOString() });
  return { current: [...current.values()].map(view), ledger: ledger.map(view) };
}

/** Everything Patron holds about a person, unmasked, as JSON and CSV in one .tar.gz. Audited. */
export async function exportPerson(db: Db, keyring: Keyring, opts: { customerId: number; actor: Actor; source: string; now: Date }) {
  const c = await activeCustomer(db, opts.customerId);
  const [identities, addresses, quarantined, orders, items, refunds, events, consents] = await Promise.all([
    db.selectFrom('customer_identities').selectAll().where('customer_id', '=', c.id).execute(),
    db.selectFrom('customer_addresses').selectAll().where('customer_id', '=', c.id).orderBy('first_seen_at').execute(),
    db.selectFrom('data_quarantine').selectAll().where('customer_id', '=', c.id).orderBy('created_at').execute(),
    db.selectFrom('orders').selectAll().where('customer_id', '=', c.id).orderBy('placed_at').execute(),
    db.selectFrom('order_items').selectAll().where('customer_id', '=', c.id).orderBy('id').execute(),
    db.selectFrom('refunds').selectAll().where('customer_id', '=', c.id).orderBy('refunded_at').execute(),
    db.selectFrom('events').select(['id', 'type', 'name', 'properties', 'occurred_at']).where('customer_id', '=', c.id).orderBy('occurred_at').execute(),
    consentsOf(db, c.id),
  ]);
  const profile = {
    id: c.id, name: c.name, gender: c.gender, birthday: c.birthday, province: c.province, city: c.city, district: c.district,
    email: presentPii(keyring, 'email', c.email_enc, true), phone: presentPii(keyring, 'phone', c.phone_enc, true), address: presentPii(keyring, 'address', c.address_enc, true),
    createdAt: c.created_at.toISOString(),
  };
  const ids = identities.map((i) => ({ kind: i.kind, channel: i.channel, value: i.kind === 'email' || i.kind === 'phone' ? presentPii(keyring, i.kind, i.value_enc, true) : i.key, source: i.source, firstSeenAt: i.first_seen_at.toISOString(), lastSeenAt: i.last_seen_at.toISOString() }));
  const places = addresses.map((a) => ({ id: a.id, province: a.province, city: a.city, district: a.district, line: presentPii(keyring, 'address', a.line_enc, true), source: a.source, firstSeenAt: a.first_seen_at.toISOString(), lastSeenAt: a.last_seen_at.toISOString() }));
  const rejected = quarantined.map((q) => ({ field: q.field, value: decryptField(keyring, q.value_enc), reason: q.reason, source: q.source, firstSeenAt: q.created_at.toISOString(), resolution: q.resolution }));
  // Opened in a spreadsheet by the person or the shop: text that would run as a formula is written as text.
  const csv = (rows: object[]) =>
    stringify(rows as Record<string, unknown>[], { header: true, bom: true, cast: { date: (d) => d.toISOString(), object: (o) => spreadsheetSafe(JSON.stringify(o)), string: (v) => spreadsheetSafe(v) } });
  const everything = { profile, identities: ids, addresses: places, quarantinedValues: rejected, orders, orderItems: items, refunds, events, consents: consents.ledger, exportedAt: opts.now.toISOString() };
  const archive = tarGz(
    [
      { name: 'everything.json', content: JSON.stringify(everything, null, 2) },
      { name: 'profile.csv', content: csv([profile]) },
      { name: 'identities.csv', content: csv(ids) },
      { name: 'addresses.csv', content: csv(places) },
      { name: 'quarantined_values.csv', content: csv(rejected) },
      { name: 'orders.csv', content: csv(orders) },
      { name: 'order_items.csv', content: csv(items) },
      { name: 'refunds.csv', content: csv(refunds) },
      { name: 'events.csv', content: csv(events) },
      { name: 'consents.csv', content: csv(consents.ledger) },
    ],
    opts.now,
  );
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('privacy_requests').values({ customer_id: c.id, kind: 'export', status: 'completed', source: opts.source, actor_label: opts.actor.label, completed_at: opts.now, result: JSON.stringify({ bytes: archive.length }) }).execute();
    await recordAudit(trx, { actor: opts.actor, action: 'privacy.export', target: { type: 'customer', id: c.id }, details: { source: opts.source } });
  });
  return archive;
}

/**
 * Erasure: personal data is removed (contact fields, name, birthday, address, district, identify
 * traits), identifiers become tombstones, and orders and events stay — anonymous — so statistics hold.
 */
export type EraseOptions = { customerId: number; actor: Actor; source: string; now: Date };

export const erasePerson = (db: Db, opts: EraseOptions) => db.transaction().execute((trx) => erasePersonIn(trx, opts));

/** The erasure inside the caller's transaction (a Shopify redact webhook runs it in its own). */
export async function erasePersonIn(trx: Db, opts: EraseOptions) {
  {
    const c = await trx.selectFrom('customers').select(['id', 'erased_at', 'merged_into']).where('id', '=', opts.customerId).forUpdate().executeTakeFirst();
    if (!c || c.merged_into !== null) throw privacyErrors.notFound(opts.customerId);
    if (c.erased_at) throw privacyErrors.alreadyErased(opts.customerId);
    const request = await trx.insertInto('privacy_requests').values({ customer_id: c.id, kind: 'erase', status: 'received', source: opts.source, actor_label: opts.actor.label, completed_at: null, result: null }).returning('id').executeTakeFirstOrThrow();
    const identities = await tombstoneIdentities(trx, c.id, request.id);
    await forgetPersonalExtras(trx, c.id);
    await trx
      .updateTable('customers')
      .set({ name: null, gender: 'unknown', birthday: null, city: null, district: null, locale: null, time_zone: null, email_enc: null, email_bidx: null, phone_enc: null, phone_bidx: null, address_enc: null, erased_at: opts.now, updated_at: opts.now })
      .where('id', '=', c.id)
      .execute();
    const events = await sql`update events set properties = '{}'::jsonb, anonymous_id = null where customer_id = ${c.id} and (type in ('identify', 'group', 'alias') or anonymous_id is not null)`.execute(trx);
    const result = { identities, eventsScrubbed: Number(events.numAffectedRows ?? 0) };
    await trx.updateTable('privacy_requests').set({ status: 'completed', completed_at: opts.now, result: JSON.stringify(result) }).where('id', '=', request.id).execute();
    await recordAudit(trx, { actor: opts.actor, action: 'privacy.erase', target: { type: 'customer', id: c.id }, details: { requestId: request.id, source: opts.source, ...result } });
    return { requestId: request.id, ...result };
  }
}

export async function listPrivacyRequests(db: Db, opts: { limit: number; offset: number }) {
  const rows = await db.selectFrom('privacy_requests').selectAll().orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute();
  return rows.map((r) => ({ id: r.id, customerId: r.customer_id, kind: r.kind, status: r.status, source: r.source, actor: r.actor_label, requestedAt: r.requested_at.toISOString(), dueAt: r.due_at.toISOString(), completedAt: r.completed_at?.toISOString() ?? null, result: r.result ?? null }));
}
