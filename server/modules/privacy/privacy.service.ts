import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../../platform/csv-safe.ts';
import { type RawBuilder, sql } from 'kysely';
import type { ConsentTable, Db } from '../../db/index.ts';
import { emit } from '../../events/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { type CustomerData, customerColumns } from '../../platform/registry.ts';
import { recordAudit } from '../audit/index.ts';
import { eraseProfile, presentPii } from '../customers/index.ts';
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
  const ledger = await db
    .selectFrom('consents')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('recorded_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const current = new Map<string, (typeof ledger)[number]>();
  for (const row of ledger) if (!current.has(`${row.channel}/${row.purpose}`)) current.set(`${row.channel}/${row.purpose}`, row);
  const view = (r: (typeof ledger)[number]) => ({
    channel: r.channel,
    purpose: r.purpose,
    status: r.status,
    source: r.source,
    evidence: r.evidence,
    actor: r.actor_label,
    recordedAt: r.recorded_at.toISOString(),
  });
  return { current: [...current.values()].map(view), ledger: ledger.map(view) };
}

/** The rows of one declared table a DSR export holds: its own presentation, or every column but ciphertexts and blind indexes. */
async function exportSection(db: Db, keyring: Keyring, d: CustomerData, customerId: number) {
  const spec = d.export || {};
  const rows = spec.rows
    ? await spec.rows(db, { customerId, keyring })
    : (
        await sql<
          Record<string, unknown>
        >`select * from ${sql.table(d.table)} where ${sql.ref(customerColumns(d)[0])} = ${customerId} order by ${sql.ref(spec.orderBy ?? d.key ?? 'id')}`.execute(
          db,
        )
      ).rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith('_enc') && !k.endsWith('_bidx'))));
  return { name: spec.name ?? d.table, file: spec.file ?? `${d.table}.csv`, rows };
}

/** Everything Patron holds about a person, unmasked, as JSON and CSV in one .tar.gz: the profile and every module's declared customer data. Audited. */
export async function exportPerson(
  db: Db,
  keyring: Keyring,
  opts: { customerId: number; actor: Actor; source: string; now: Date; data: readonly CustomerData[] },
) {
  const c = await activeCustomer(db, opts.customerId);
  const sections = await Promise.all(opts.data.filter((d) => d.export !== false).map((d) => exportSection(db, keyring, d, c.id)));
  const profile = {
    id: c.id,
    name: c.name,
    gender: c.gender,
    birthday: c.birthday,
    province: c.province,
    city: c.city,
    district: c.district,
    email: presentPii(keyring, 'email', c.email_enc, true),
    phone: presentPii(keyring, 'phone', c.phone_enc, true),
    address: presentPii(keyring, 'address', c.address_enc, true),
    createdAt: c.created_at.toISOString(),
  };
  // Opened in a spreadsheet by the person or the shop: text that would run as a formula is written as text.
  const csv = (rows: object[]) =>
    stringify(rows as Record<string, unknown>[], {
      header: true,
      bom: true,
      cast: { date: (d) => d.toISOString(), object: (o) => spreadsheetSafe(JSON.stringify(o)), string: (v) => spreadsheetSafe(v) },
    });
  const everything = { profile, ...Object.fromEntries(sections.map((s) => [s.name, s.rows])), exportedAt: opts.now.toISOString() };
  const archive = tarGz(
    [
      { name: 'everything.json', content: JSON.stringify(everything, null, 2) },
      { name: 'profile.csv', content: csv([profile]) },
      ...sections.map((s) => ({ name: s.file, content: csv(s.rows) })),
    ],
    opts.now,
  );
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('privacy_requests')
      .values({
        customer_id: c.id,
        kind: 'export',
        status: 'completed',
        source: opts.source,
        actor_label: opts.actor.label,
        completed_at: opts.now,
        result: JSON.stringify({ bytes: archive.length }),
      })
      .execute();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'privacy.export',
      target: { type: 'customer', id: c.id },
      details: { source: opts.source },
    });
  });
  return archive;
}

/**
 * Erasure: personal data is removed (contact fields, name, birthday, address, district, identify
 * traits), identifiers become tombstones, and orders and events stay — anonymous — so statistics hold.
 */
export type EraseOptions = { customerId: number; actor: Actor; source: string; now: Date; data: readonly CustomerData[] };

export const erasePerson = (db: Db, opts: EraseOptions) => db.transaction().execute((trx) => erasePersonIn(trx, opts));

/** The erasure inside the caller's transaction (a Shopify redact webhook runs it in its own). */
export async function erasePersonIn(trx: Db, opts: EraseOptions) {
  {
    const c = await trx
      .selectFrom('customers')
      .select(['id', 'erased_at', 'merged_into'])
      .where('id', '=', opts.customerId)
      .forUpdate()
      .executeTakeFirst();
    if (!c || c.merged_into !== null) throw privacyErrors.notFound(opts.customerId);
    if (c.erased_at) throw privacyErrors.alreadyErased(opts.customerId);
    const request = await trx
      .insertInto('privacy_requests')
      .values({
        customer_id: c.id,
        kind: 'erase',
        status: 'received',
        source: opts.source,
        actor_label: opts.actor.label,
        completed_at: null,
        result: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const result: Record<string, number> = {};
    for (const d of opts.data) {
      if (d.erase === 'keep') continue;
      if (d.erase === 'delete') {
        for (const col of customerColumns(d)) await sql`delete from ${sql.table(d.table)} where ${sql.ref(col)} = ${c.id}`.execute(trx);
      } else Object.assign(result, await d.erase(trx, { customerId: c.id, requestId: request.id, now: opts.now }));
    }
    await eraseProfile(trx, c.id, opts.now);
    await emit(trx, {
      type: 'customer.erased',
      key: `customer.erased:${c.id}`,
      customerId: c.id,
      payload: { requestId: request.id },
      occurredAt: opts.now,
    });
    await trx
      .updateTable('privacy_requests')
      .set({ status: 'completed', completed_at: opts.now, result: JSON.stringify(result) })
      .where('id', '=', request.id)
      .execute();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'privacy.erase',
      target: { type: 'customer', id: c.id },
      details: { requestId: request.id, source: opts.source, ...result },
    });
    return { requestId: request.id, ...result };
  }
}

export async function listPrivacyRequests(db: Db, opts: { limit: number; offset: number }) {
  const rows = await db.selectFrom('privacy_requests').selectAll().orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute();
  return rows.map((r) => ({
    id: r.id,
    customerId: r.customer_id,
    kind: r.kind,
    status: r.status,
    source: r.source,
    actor: r.actor_label,
    requestedAt: r.requested_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    completedAt: r.completed_at?.toISOString() ?? null,
    result: r.result ?? null,
  }));
}

/**
 * A condition for set-based queries: the person (`customerId`, an SQL expression) holds a grant as their latest
 * consent for the purpose on the channel or on any channel — what `consentedAmong` answers for a list.
 */
export const consentGrantedSql = (customerId: RawBuilder<unknown>, channel: ConsentTable['channel'], purpose: ConsentTable['purpose']) =>
  sql<boolean>`coalesce((select k.status = 'granted' from consents k where k.customer_id = ${customerId} and k.channel in (${channel}, 'any')
    and k.purpose = ${purpose} order by k.recorded_at desc, k.id desc limit 1), false)`;

/** Of these people, those whose latest consent for the purpose on the channel (or on any channel) is a grant. */
export async function consentedAmong(
  db: Db,
  customerIds: readonly number[],
  channel: ConsentTable['channel'],
  purpose: ConsentTable['purpose'],
): Promise<Set<number>> {
  if (customerIds.length === 0) return new Set();
  const rows = await sql<{ customer_id: number; status: string }>`
    select distinct on (customer_id) customer_id, status from consents
    where customer_id = any(${[...customerIds]}::bigint[]) and channel in (${channel}, 'any') and purpose = ${purpose}
    order by customer_id, recorded_at desc, id desc`.execute(db);
  return new Set(rows.rows.filter((r) => r.status === 'granted').map((r) => Number(r.customer_id)));
}
