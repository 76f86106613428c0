import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Segment event conditions ("Product Viewed ≥ 3 times in 180 days") group a name's events in a window by
    -- customer: with customer_id in the index they are read from it alone (index-only scan), not the heap.
    drop index events_name_idx;
    create index events_name_idx on events (name, occurred_at) include (customer_id);
  `.execute(db);
}
