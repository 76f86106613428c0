import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { type Keyring, encryptOptional } from '../../platform/crypto.ts';
import type { EncryptedColumns } from '../../platform/keyring.ts';
import { type NewCustomer, emailIndex, insertProfiles, phoneIndex, phoneTailIndex } from '../customers/index.ts';

/** Columns of this module's tables that hold ciphertexts (for key rotation). */
export const identityEncryptedColumns: readonly EncryptedColumns[] = [
  { table: 'customer_identities', idColumn: 'id', columns: ['value_enc'] },
  { table: 'data_quarantine', idColumn: 'id', columns: ['value_enc'] },
];

/** New people in one statement per table: the profiles, then the identifiers that make them findable. Returns ids in input order. */
export async function insertCustomers(db: Db, keyring: Keyring, rows: readonly NewCustomer[], source = 'bulk'): Promise<number[]> {
  const ids = await insertProfiles(db, keyring, rows);
  await insertIdentities(db, keyring, rows, ids, source);
  return ids;
}

/** The identities rows that make bulk-inserted customers findable by e-mail, phone and external id. */
async function insertIdentities(db: Db, keyring: Keyring, rows: readonly NewCustomer[], ids: number[], source: string) {
  const out: { customerId: number; kind: string; channel: string; key: string; enc: string | null; tail?: string; at: string }[] = [];
  rows.forEach((r, i) => {
    const at = r.createdAt.toISOString();
    if (r.email)
      out.push({
        customerId: ids[i],
        kind: 'email',
        channel: '',
        key: emailIndex(keyring, r.email),
        enc: encryptOptional(keyring, r.email),
        at,
      });
    if (r.phone)
      out.push({
        customerId: ids[i],
        kind: 'phone',
        channel: '',
        key: phoneIndex(keyring, r.phone),
        enc: encryptOptional(keyring, r.phone),
        tail: phoneTailIndex(keyring, r.phone),
        at,
      });
    for (const e of r.externalIds ?? []) out.push({ customerId: ids[i], kind: 'external', channel: e.channel, key: e.id, enc: null, at });
    for (const a of r.anonymousIds ?? []) out.push({ customerId: ids[i], kind: 'anonymous', channel: '', key: a, enc: null, at });
  });
  if (out.length === 0) return;
  const col = <T>(f: (o: (typeof out)[number]) => T) => out.map(f);
  await sql`
    insert into customer_identities (customer_id, kind, channel, key, value_enc, tail_bidx, source, first_seen_at, last_seen_at)
    select u.customer_id, u.kind, u.channel, u.key, u.value_enc, u.tail_bidx, ${source}, u.at, u.at from unnest(
      ${col((o) => o.customerId)}::bigint[], ${col((o) => o.kind)}::text[], ${col((o) => o.channel)}::text[],
      ${col((o) => o.key)}::text[], ${col((o) => o.enc)}::text[], ${col((o) => o.tail ?? null)}::text[], ${col((o) => o.at)}::timestamptz[]
    ) as u(customer_id, kind, channel, key, value_enc, tail_bidx, at)
    on conflict (kind, channel, key) do nothing`.execute(db);
}
