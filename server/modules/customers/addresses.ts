import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { type Keyring, blindIndex, encryptField } from '../../platform/crypto.ts';
import { canonicalCity, canonicalProvince } from './regions.ts';

/** An address a person was seen with (a profile update, an order's receiver). */
export type AddressSighting = {
  customerId: number;
  province?: string | null;
  city?: string | null;
  district?: string | null;
  line?: string | null;
};

const clean = (v: string | null | undefined) => v?.trim() || null;

/** The address a profile patch carries. */
export const sightingOf = (
  customerId: number,
  p: { province?: string | null; city?: string | null; district?: string | null; address?: string | null },
): AddressSighting => ({
  customerId,
  province: p.province,
  city: p.city,
  district: p.district,
  line: p.address,
});

/** The normalised form an address is recognised by (same place, same person → one row). */
function normalised(a: AddressSighting) {
  const province = canonicalProvince(clean(a.province));
  const city = canonicalCity(clean(a.city), province);
  const district = clean(a.district);
  const line = clean(a.line)?.replace(/\s+/g, ' ') ?? null;
  return { province, city, district, line };
}

/**
 * Records the addresses people were seen with, in one statement: a known address (same person, same
 * normalised address) only has its last-seen time moved. Sightings without a street line are not
 * addresses (a province alone is a profile field). Returns each sighting's address id (null for those).
 */
export async function rememberAddresses(
  trx: Db,
  keyring: Keyring,
  sightings: readonly AddressSighting[],
  o: { source: string; now: Date },
): Promise<(number | null)[]> {
  const rows = sightings.map((s) => {
    const n = normalised(s);
    return n.line
      ? { ...n, customerId: s.customerId, key: blindIndex(keyring, 'address', [n.province, n.city, n.district, n.line].join('|')) }
      : null;
  });
  const unique = [...new Map(rows.flatMap((r) => (r ? [[`${r.customerId}|${r.key}`, r] as const] : []))).values()];
  if (unique.length === 0) return sightings.map(() => null);
  const col = <T>(f: (r: (typeof unique)[number]) => T) => unique.map(f);
  const stored = await sql<{ id: number; customer_id: number; address_bidx: string }>`
    insert into customer_addresses (customer_id, province, city, district, line_enc, address_bidx, source, first_seen_at, last_seen_at)
    select u.customer_id, u.province, u.city, u.district, u.line_enc, u.address_bidx, ${o.source}, ${o.now}, ${o.now} from unnest(
      ${col((r) => r.customerId)}::bigint[], ${col((r) => r.province)}::text[], ${col((r) => r.city)}::text[], ${col((r) => r.district)}::text[],
      ${col((r) => encryptField(keyring, r.line!))}::text[], ${col((r) => r.key)}::text[]
    ) as u(customer_id, province, city, district, line_enc, address_bidx)
    on conflict (customer_id, address_bidx) do update set last_seen_at = greatest(customer_addresses.last_seen_at, excluded.last_seen_at)
    returning id, customer_id, address_bidx`.execute(trx);
  const ids = new Map(stored.rows.map((r) => [`${r.customer_id}|${r.address_bidx}`, Number(r.id)]));
  return rows.map((r) => (r ? (ids.get(`${r.customerId}|${r.key}`) ?? null) : null));
}

/**
 * Erasure of a person's addresses: they lose their street line and everything below the province (orders still
 * point at them, for statistics).
 */
export async function forgetAddressLines(trx: Db, customerId: number) {
  await trx
    .updateTable('customer_addresses')
    .set({ line_enc: null, city: null, district: null })
    .where('customer_id', '=', customerId)
    .execute();
}
