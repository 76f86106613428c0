import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The most recent times of each customer's activity (segments module): per event name ('event'), of their paid
    -- orders ('order', key '') and of those holding a product of a category ('category', key: its name), the count
    -- of all of them and the newest ten times, newest first. "At least k in the last N days" holds exactly
    -- when the k-th newest time is within the window, so order and event counts read one row per customer instead
    -- of every order or event (bench/README.md). Kept current by the change drain with the metrics; customers whose
    -- changes are not drained yet are decided from their own rows.
    create table customer_activity (
      kind text not null check (kind in ('order', 'category', 'event')),
      key text not null,
      customer_id bigint not null,
      total integer not null check (total > 0),
      latest timestamptz[] not null,
      primary key (kind, key, customer_id) include (total, latest)
    );
    create index customer_activity_customer_idx on customer_activity (customer_id);

    -- Deleted orders and events (an import undone) change their customers' metrics and activity too.
    create trigger orders_changed_del after delete on orders referencing old table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger events_changed_del after delete on events referencing old table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');

    -- A product moved to another category changes its buyers' category activity. Product upserts that change no
    -- category (every import batch) stop at the two transition tables.
    create function patron_mark_product_buyers() returns trigger language plpgsql as $$
    declare moved bigint[];
    begin
      select array_agg(n.id) into moved from changed_rows n join previous_rows o on o.id = n.id
        where n.category is distinct from o.category;
      if moved is not null then
        insert into customer_changes (customer_id)
          select distinct customer_id from order_items where product_id = any(moved) on conflict do nothing;
      end if;
      return null;
    end $$;
    create trigger products_category_changed after update on products referencing new table as changed_rows old table as previous_rows
      for each statement execute function patron_mark_product_buyers();

    -- Every customer's activity is built by the change drain, as after a bulk load.
    insert into customer_changes (customer_id) select id from customers on conflict do nothing;
  `.execute(db);
}
