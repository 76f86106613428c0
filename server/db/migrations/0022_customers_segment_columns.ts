import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The active customers' profile columns that segment rules read, beside their id: a segment count reads a range
    -- of active customers by id and filters on gender, birthday, region… From this index that is an index-only scan
    -- of ~90 bytes a customer instead of heap reads of ~400 (encrypted contact fields, attributes): at scale L 90 MB
    -- against 378 MB, and a range's customers in 82 ms instead of ~250.
    create index customers_profile_idx on customers (id)
      include (gender, birthday, province, city, district, locale, first_channel_id, created_at, erased_at)
      where merged_into is null;
  `.execute(db);
}
