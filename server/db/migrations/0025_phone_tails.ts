import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A blind index of a phone's last four digits (HMAC, like the full number's), so a seller can find "the buyer
    -- ending 5678" without the number being stored in clear. Filled on write, and for older rows by a background job.
    alter table customer_identities add column tail_bidx text;
    create index customer_identities_tail_idx on customer_identities (tail_bidx) where tail_bidx is not null;
    create index customer_identities_tail_missing_idx on customer_identities (id) where kind = 'phone' and tail_bidx is null;
  `.execute(db);
}
