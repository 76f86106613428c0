import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The import that created an order is a column of the order, as for events: one import_records row per
    -- imported order was a second table written (and foreign-key checked) for every order of a CSV.
    alter table orders add column import_id bigint;
    create index orders_import_idx on orders (import_id) where import_id is not null;
    update orders o set import_id = r.import_id from import_records r where r.entity = 'order' and r.entity_id = o.id;
    delete from import_records where entity = 'order';
  `.execute(db);
}
