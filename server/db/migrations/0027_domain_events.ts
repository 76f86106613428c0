import { type Kysely, sql } from 'kysely';

/** When an order reached each step of its lifecycle: [event, instant, key suffix, reached now (over `n` new and `o` old rows)]. */
const STEPS = (o: string) => `
  ('placed', n.placed_at, '', ${o}.id is null),
  ('paid', n.paid_at, '', n.paid_at is not null and (${o}.id is null or ${o}.paid_at is null)),
  ('shipped', coalesce(n.shipped_at, now()), '', (n.shipped_at is not null or n.status = 'shipped')
     and (${o}.id is null or (${o}.shipped_at is null and ${o}.status <> 'shipped'))),
  ('delivered', coalesce(n.delivered_at, now()), '', (n.delivered_at is not null or n.status = 'delivered')
     and (${o}.id is null or (${o}.delivered_at is null and ${o}.status <> 'delivered'))),
  ('completed', coalesce(n.completed_at, now()), '', (n.completed_at is not null or n.status = 'completed')
     and (${o}.id is null or (${o}.completed_at is null and ${o}.status <> 'completed'))),
  ('cancelled', coalesce(n.cancelled_at, now()), '', n.status = 'cancelled' and (${o}.id is null or ${o}.status <> 'cancelled')),
  ('refunded', now(), ':' || n.refunded_amount, n.refunded_amount > 0 and (${o}.id is null or n.refunded_amount > ${o}.refunded_amount))`;

const orderEvents = (oldRows: string) => `
  insert into domain_events (key, type, customer_id, payload, occurred_at)
  select 'order.' || k.step || ':' || n.id || k.suffix, 'order.' || k.step, n.customer_id,
    jsonb_build_object('orderId', n.id, 'status', n.status, 'currency', n.currency, 'totalAmount', n.total_amount,
      'refundedAmount', n.refunded_amount, 'importId', n.import_id),
    k.at
  from new_rows n left join ${oldRows} o on o.id = n.id
  cross join lateral (values ${STEPS('o')}) k(step, at, suffix, reached)
  where k.reached
  on conflict (key) do nothing;`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Domain events: written inside the transaction that causes them, unique by key (so each happens once), kept
    -- for the retention period. Subscribers (event_subscriptions, synced from the modules' declarations at start)
    -- get one delivery each, fanned out by a trigger in the same transaction, so no event is missed or doubled.
    create table domain_events (
      id bigint generated always as identity primary key,
      key text not null unique,
      type text not null,
      version int not null default 1,
      customer_id bigint,
      payload jsonb not null,
      occurred_at timestamptz not null,
      created_at timestamptz not null default now()
    );
    create index domain_events_customer_idx on domain_events (customer_id, id);
    -- Appended in time order: a BRIN index finds the pruning range for a fraction of a btree's upkeep (an import of
    -- a million lines writes a million events).
    create index domain_events_created_idx on domain_events using brin (created_at);

    create table event_subscriptions (
      subscriber text not null,
      type text not null,
      primary key (subscriber, type)
    );
    create index event_subscriptions_type_idx on event_subscriptions (type);

    create table event_deliveries (
      event_id bigint not null references domain_events (id) on delete cascade,
      subscriber text not null,
      customer_id bigint,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts int not null default 0,
      next_at timestamptz not null default now(),
      error text,
      delivered_at timestamptz,
      primary key (subscriber, event_id)
    );
    create index event_deliveries_due_idx on event_deliveries (next_at, event_id) where status = 'pending';
    create index event_deliveries_order_idx on event_deliveries (subscriber, customer_id, event_id) where status = 'pending';

    create function patron_fan_out_events() returns trigger language plpgsql as $$
    begin
      insert into event_deliveries (event_id, subscriber, customer_id)
        select n.id, s.subscriber, n.customer_id from new_rows n join event_subscriptions s on s.type = n.type;
      return null;
    end $$;
    create trigger domain_events_fan_out after insert on domain_events referencing new table as new_rows
      for each statement execute function patron_fan_out_events();

    -- Commerce: the order lifecycle, from every path that writes orders (REST, tracking, webhooks, CSV imports,
    -- set-based or not). An order reaches each step once (the key), a refund once per refunded total.
    create function patron_order_events_ins() returns trigger language plpgsql as $$
    begin
      ${sql.raw(orderEvents('(select * from new_rows where false)'))}
      return null;
    end $$;
    create function patron_order_events_upd() returns trigger language plpgsql as $$
    begin
      ${sql.raw(orderEvents('old_rows'))}
      return null;
    end $$;
    create trigger orders_events_ins after insert on orders referencing new table as new_rows
      for each statement execute function patron_order_events_ins();
    create trigger orders_events_upd after update on orders referencing new table as new_rows old table as old_rows
      for each statement execute function patron_order_events_upd();

    -- Segments: a person entering a segment opens a history row, leaving it closes the row.
    create function patron_segment_events() returns trigger language plpgsql as $$
    begin
      if TG_OP = 'INSERT' then
        insert into domain_events (key, type, customer_id, payload, occurred_at)
          select 'segment.entered:' || n.id, 'segment.entered', n.customer_id,
            jsonb_build_object('segmentId', n.segment_id, 'historyId', n.id), n.entered_at
          from new_rows n on conflict (key) do nothing;
      else
        insert into domain_events (key, type, customer_id, payload, occurred_at)
          select 'segment.exited:' || n.id, 'segment.exited', n.customer_id,
            jsonb_build_object('segmentId', n.segment_id, 'historyId', n.id), n.exited_at
          from new_rows n join old_rows o on o.id = n.id
          where n.exited_at is not null and o.exited_at is null on conflict (key) do nothing;
      end if;
      return null;
    end $$;
    create trigger segment_history_events_ins after insert on segment_membership_history referencing new table as new_rows
      for each statement execute function patron_segment_events();
    create trigger segment_history_events_upd after update on segment_membership_history referencing new table as new_rows old table as old_rows
      for each statement execute function patron_segment_events();

    -- Change marking is declared per table now (<table>_changed_<ins|upd|del>): two triggers take that name.
    alter trigger tags_changed_ins on customer_tags rename to customer_tags_changed_ins;
    alter trigger tags_changed_del on customer_tags rename to customer_tags_changed_del;
    alter trigger identities_changed_ins on customer_identities rename to customer_identities_changed_ins;
    alter trigger identities_changed_upd on customer_identities rename to customer_identities_changed_upd;

    -- Merges remember moved rows by table name; tags were kept under "tags".
    update customer_merges set moved = (moved - 'tags') || jsonb_build_object('customer_tags', moved -> 'tags') where moved ? 'tags';
  `.execute(db);
}
