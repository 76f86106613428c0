import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The dashboard and the analytics reports scan every paid order (10M at scale L: seconds each). Their answers
    -- are computed in the background and kept here, one row per question (a report and its parameters).
    create table analytics_snapshots (
      key text primary key,
      name text not null,
      params jsonb not null,
      body jsonb not null,
      computed_at timestamptz not null,
      compute_ms integer not null,
      -- When a viewer last asked (at most once a minute); questions nobody asks for a week are dropped.
      asked_at timestamptz not null
    );
  `.execute(db);
}
