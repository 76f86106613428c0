import { type Kysely, sql } from 'kysely';

/** Profile columns whose change is a `customer.updated` (not bookkeeping such as updated_at or segment columns). */
const PROFILE = [
  'name',
  'gender',
  'birthday',
  'province',
  'city',
  'district',
  'locale',
  'time_zone',
  'email_bidx',
  'phone_bidx',
  'address_enc',
  'attributes',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const changed = PROFILE.map((c) => `case when n.${c} is distinct from o.${c} then '${c.replace(/_bidx$|_enc$/, '')}' end`).join(', ');
  await sql`
    -- Events written by triggers on busy tables (every import writes customers; every order writes points), created
    -- disabled: the events platform enables one while something subscribes to its type (subscribeTypes), so no
    -- transition table is kept and no event written for a type nobody wants.
    create function patron_customer_created_events() returns trigger language plpgsql as $$
    begin
      insert into domain_events (key, type, customer_id, payload, occurred_at)
      select 'customer.created:' || n.id, 'customer.created', n.id, jsonb_build_object('customerId', n.id), n.created_at
      from new_rows n
      on conflict (key) do nothing;
      return null;
    end $$;
    create trigger customers_created_events after insert on customers referencing new table as new_rows
      for each statement execute function patron_customer_created_events();
    alter table customers disable trigger customers_created_events;

    create function patron_customer_updated_events() returns trigger language plpgsql as $$
    begin
      insert into domain_events (key, type, customer_id, payload, occurred_at)
      select 'customer.updated:' || n.id || ':' || gen_random_uuid(), 'customer.updated', n.id,
        jsonb_build_object('customerId', n.id, 'fields', to_jsonb(f.fields)), now()
      from new_rows n join old_rows o on o.id = n.id
      cross join lateral (select array_remove(array[${sql.raw(changed)}], null) as fields) f
      where cardinality(f.fields) > 0 and n.erased_at is null and n.merged_into is null
      on conflict (key) do nothing;
      return null;
    end $$;
    create trigger customers_updated_events after update on customers referencing old table as old_rows new table as new_rows
      for each statement execute function patron_customer_updated_events();
    alter table customers disable trigger customers_updated_events;

    create function patron_points_changed_events() returns trigger language plpgsql as $$
    begin
      insert into domain_events (key, type, customer_id, payload, occurred_at)
      select 'points.changed:' || n.id, 'points.changed', n.customer_id,
        jsonb_build_object('entryId', n.id, 'kind', n.kind, 'points', n.points, 'source', n.source, 'orderId', n.order_id), n.created_at
      from new_rows n where n.points <> 0
      on conflict (key) do nothing;
      return null;
    end $$;
    create trigger loyalty_ledger_points_events after insert on loyalty_ledger referencing new table as new_rows
      for each statement execute function patron_points_changed_events();
    alter table loyalty_ledger disable trigger loyalty_ledger_points_events;
  `.execute(db);
}
