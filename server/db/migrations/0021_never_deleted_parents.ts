import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Channels, sources (write keys) and imports are never deleted: nothing in Patron deletes them, and from
    -- now on a trigger refuses it. The rows that name them therefore need no per-row foreign-key check. Each such
    -- check was a FOR KEY SHARE lock of the same parent row for every order, new customer, event and import
    -- record written; concurrent ingest transactions sharing one source row turned those locks into multixacts.
    -- (orders.import_id and events.import_id were plain columns from the start, for the same reason.)
    alter table orders drop constraint if exists orders_channel_id_fkey;
    alter table customers drop constraint if exists customers_first_channel_id_fkey;
    alter table events drop constraint if exists events_source_id_fkey;
    alter table import_records drop constraint if exists import_records_import_id_fkey;

    create function patron_never_deleted() returns trigger language plpgsql as $$
    begin
      raise exception '% rows are never deleted', tg_table_name;
    end $$;
    create trigger channels_never_deleted before delete or truncate on channels
      for each statement execute function patron_never_deleted();
    create trigger sources_never_deleted before delete or truncate on sources
      for each statement execute function patron_never_deleted();
    create trigger imports_never_deleted before delete or truncate on imports
      for each statement execute function patron_never_deleted();
  `.execute(db);
}
