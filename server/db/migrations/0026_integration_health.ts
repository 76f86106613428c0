import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- What a seller checks on a connected store: when its last delivery arrived, how many were refused and why.
    alter table integrations add column last_delivery_at timestamptz;
    alter table integrations add column deliveries bigint not null default 0;
    alter table integrations add column failures bigint not null default 0;
    alter table integrations add column last_failure_at timestamptz;
    alter table integrations add column last_failure text;
  `.execute(db);
}
