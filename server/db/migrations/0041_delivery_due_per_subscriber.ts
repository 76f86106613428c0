import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The dispatcher takes each subscriber's due deliveries from this index: a backlog of one subscriber (an import's
    -- orders waiting for loyalty) no longer lies in the way of another's scan.
    create index event_deliveries_subscriber_due_idx on event_deliveries (subscriber, next_at, event_id) where status = 'pending';
  `.execute(db);
}
