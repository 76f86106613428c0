import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Event conditions decided for a few customers (the incremental refresh, a segment estimate from a sample)
    -- read each customer's events in a window by name: with the name in the index they are read from it alone
    -- (index-only), not from one heap page per event (10,000 sampled customers: 840 → 230 ms at scale M).
    drop index events_customer_idx;
    create index events_customer_idx on events (customer_id, occurred_at desc) include (name);
  `.execute(db);
}
