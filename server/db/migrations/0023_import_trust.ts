import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A refund of a purchase Patron never saw (a return in an imported file whose sale predates the file) belongs to
    -- the buyer, not to an order: order_id is null, channel_id says where it happened, and its key is unique per buyer.
    -- Metrics deduct it from the buyer's net spend.
    alter table refunds alter column order_id drop not null;
    alter table refunds add column channel_id int;
    create unique index refunds_unlinked_key on refunds (customer_id, external_id) where order_id is null;
    create trigger refunds_changed_ins after insert on refunds referencing new table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger refunds_changed_del after delete on refunds referencing old table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');

    -- The profile of an existing customer as it was before an import first changed it (only the columns it changed),
    -- so undoing the import puts every field back.
    create table import_before_images (
      import_id bigint not null,
      customer_id bigint not null references customers (id) on delete cascade,
      fields jsonb not null,
      primary key (import_id, customer_id)
    );

    -- An import where most rows failed (a wrong encoding, a wrong mapping) ends "completed_with_errors", never
    -- "completed"; returns refunded against their buyers are counted; a rejected row's cells are kept encrypted
    -- beside the masked copy, so a user who may see personal data can fix and re-import them.
    alter table imports drop constraint imports_status_check;
    alter table imports add constraint imports_status_check check (status in ('running', 'completed', 'completed_with_errors', 'failed', 'undone'));
    alter table imports add column unlinked_returns integer not null default 0;
    alter table import_errors add column raw_enc text;
  `.execute(db);
}
