import { sql } from 'kysely';
import type { Db, Gender } from '../../db/index.ts';
import { type Keyring, blindIndex, encryptOptional } from '../../platform/crypto.ts';
import type { EncryptedColumns } from '../../platform/keyring.ts';

/** Columns of this module's tables that hold ciphertexts (for key rotation). */
export const customerEncryptedColumns: readonly EncryptedColumns[] = [
  { table: 'customers', idColumn: 'id', columns: ['email_enc', 'phone_enc', 'address_enc'] },
  { table: 'customer_addresses', idColumn: 'id', columns: ['line_enc'] },
];

export type NewCustomer = {
  name: string | null;
  gender: Gender;
  birthday: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  firstChannelId: number | null;
  /** Already normalised (lower-case). */
  email: string | null;
  /** Already normalised (E.164). */
  phone: string | null;
  address: string | null;
  /** Per-channel external ids (Tmall ouid, Douyin open id, …). */
  externalIds?: { channel: string; id: string }[];
  /** Anonymous (tracking) ids already known to belong to this person. */
  anonymousIds?: string[];
  createdAt: Date;
};

export const emailIndex = (keyring: Keyring, email: string) => blindIndex(keyring, 'email', email);
export const phoneIndex = (keyring: Keyring, phone: string) => blindIndex(keyring, 'phone', phone);
/** The blind index of a phone's last four digits (what a seller types to find "the buyer ending 5678"). */
export const phoneTailIndex = (keyring: Keyring, digits: string) => blindIndex(keyring, 'phone_tail', digits.replace(/\D/g, '').slice(-4));

/** Reserves `n` ids from a table's identity sequence (so callers know ids before inserting). */
export async function reserveIds(db: Db, table: 'customers' | 'orders' | 'order_items' | 'events', n: number): Promise<number[]> {
  if (n === 0) return [];
  const rows = await sql<{ id: number }>`
    select nextval(pg_get_serial_sequence(${table}, 'id')) as id from generate_series(1, ${n})`.execute(db);
  return rows.rows.map((r) => Number(r.id));
}

/**
 * Set-based insert of many profiles in one statement (unnest of column arrays). Personal fields are encrypted
 * here, with blind indexes for exact lookup. Returns the new ids in input order. Their identifiers are the
 * identity module's (`insertCustomers` there writes both).
 */
export async function insertProfiles(db: Db, keyring: Keyring, rows: readonly NewCustomer[]): Promise<number[]> {
  const ids = await reserveIds(db, 'customers', rows.length);
  if (rows.length === 0) return ids;
  const col = <T>(f: (r: NewCustomer) => T) => rows.map(f);
  await sql`
    insert into customers (id, name, gender, birthday, province, city, district, first_channel_id,
      email_enc, email_bidx, phone_enc, phone_bidx, address_enc, created_at, updated_at)
    select *, u.created_at from unnest(
      ${ids}::bigint[], ${col((r) => r.name)}::text[], ${col((r) => r.gender)}::text[], ${col((r) => r.birthday)}::date[],
      ${col((r) => r.province)}::text[], ${col((r) => r.city)}::text[], ${col((r) => r.district)}::text[],
      ${col((r) => r.firstChannelId)}::int[],
      ${col((r) => encryptOptional(keyring, r.email))}::text[], ${col((r) => (r.email ? emailIndex(keyring, r.email) : null))}::text[],
      ${col((r) => encryptOptional(keyring, r.phone))}::text[], ${col((r) => (r.phone ? phoneIndex(keyring, r.phone) : null))}::text[],
      ${col((r) => encryptOptional(keyring, r.address))}::text[], ${col((r) => r.createdAt.toISOString())}::timestamptz[]
    ) as u(id, name, gender, birthday, province, city, district, first_channel_id, email_enc, email_bidx,
      phone_enc, phone_bidx, address_enc, created_at)`.execute(db);
  return ids;
}

export async function countCustomers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('customers')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('merged_into', 'is', null)
    .executeTakeFirstOrThrow();
  return row.n;
}
