import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The runner takes each journey's due runs from its own part of the index, a share of a pass each: 100,000 people
    -- entering one journey no longer hold up a reminder due in another until all of them are through.
    drop index journey_runs_due_idx;
    create index journey_runs_due_idx on journey_runs (journey_id, due_at, id) where status = 'waiting';
  `.execute(db);
}
