import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The tracking API's inbox: a batch is answered 200 once it is committed here, as one row (its valid messages,
    -- encrypted: they carry traits), and is resolved to customers and stored as events by the tracking-inbox poller,
    -- which deletes the row in the same transaction. A batch that fails stays, with its error, to be tried again.
    create table tracking_inbox (
      id bigint generated always as identity primary key,
      source_id bigint not null references sources (id),
      received_at timestamptz not null,
      messages_enc text not null,
      message_count int not null,
      attempts int not null default 0,
      retry_at timestamptz,
      error text
    );
  `.execute(db);
}
