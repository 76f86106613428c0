import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A message id is compared for equality only, never sorted for a reader: compared byte by byte ("C") instead of under
    -- the database's collation, the unique index every tracked event is checked against and added to costs a fraction of
    -- what it did (measured at M, 1.1M ids among 4.9M events, C.UTF-8: 10,000 events in batches of 100, 287 ms → 161 ms).
    -- Equality is unchanged: a database's default collation is always deterministic. The index is rebuilt.
    alter table events alter column message_id type text collate "C";
  `.execute(db);
}
