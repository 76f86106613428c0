import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { CANONICAL_PROVINCES } from './regions.ts';

export const QUALITY_FIELDS = ['name', 'gender', 'birthday', 'province', 'city', 'email', 'phone', 'address'] as const;
export type QualityRow = { channel: string | null; total: number; complete: Record<string, number>; valid: Record<string, number> };

type Raw = { channel: string | null; grouping: number; total: number } & Record<string, number>;

/**
 * Completeness (share of customers with a value) per field, overall and per first channel, and
 * validity where a value can be judged: provinces in canonical form, plausible birthdays.
 * Phones and e-mails are validated on the way in (invalid ones are rejected with a reason).
 */
export async function dataQuality(db: Db, now: Date): Promise<QualityRow[]> {
  const rows = await sql<Raw>`
    select ch.code as channel, grouping(ch.code)::int as grouping, count(*)::int as total,
      count(c.name)::int as name, (count(*) filter (where c.gender <> 'unknown'))::int as gender,
      count(c.birthday)::int as birthday, count(c.province)::int as province, count(c.city)::int as city,
      count(c.email_bidx)::int as email, count(c.phone_bidx)::int as phone, count(c.address_enc)::int as address,
      (count(*) filter (where c.province = any(${[...CANONICAL_PROVINCES]}::text[])))::int as province_valid,
      (count(*) filter (where c.birthday between (${now}::timestamptz - interval '100 years')::date and (${now}::timestamptz - interval '10 years')::date))::int as birthday_valid
    from customers c left join channels ch on ch.id = c.first_channel_id
    where c.merged_into is null and c.erased_at is null
    group by rollup (ch.code)
    order by grouping desc, total desc`.execute(db);
  const share = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 1000) / 1000 : 0);
  return rows.rows.map((r) => ({
    channel: r.grouping === 1 ? null : (r.channel ?? ''),
    total: r.total,
    complete: Object.fromEntries(QUALITY_FIELDS.map((f) => [f, share(r[f], r.total)])),
    valid: { province: share(r.province_valid, r.province), birthday: share(r.birthday_valid, r.birthday) },
  }));
}
