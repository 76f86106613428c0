import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The dashboard's headline figures scan every paid order (10M at scale L: ~10 s). They are computed in the
    -- background and kept here, one row per question (period, time zone, currency); a viewer reads the row.
    create table dashboard_snapshots (
      key text primary key,
      body jsonb not null,
      computed_at timestamptz not null,
      compute_ms integer not null
    );
  `.execute(db);
}
