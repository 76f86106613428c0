import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Per-customer metrics, RFM scores and predictions (analytics module), kept current from customer_changes
    -- and by a scheduled full recompute.
    create table customer_metrics (
      customer_id bigint primary key references customers (id) on delete cascade,
      orders_count integer not null default 0,
      net_spent bigint not null default 0,
      first_order_at timestamptz,
      last_order_at timestamptz,
      avg_order_value bigint,
      avg_days_between double precision,
      distinct_products integer not null default 0,
      distinct_categories integer not null default 0,
      channel_ids integer[] not null default '{}',
      last_seen_at timestamptz,
      lifecycle_stage text not null check (lifecycle_stage in ('prospect', 'new', 'active', 'at_risk', 'lapsed', 'churned')),
      recency_days integer,
      rfm_frequency integer,
      rfm_monetary bigint,
      rfm_r smallint,
      rfm_f smallint,
      rfm_m smallint,
      rfm_group text,
      p_alive double precision,
      churn_probability double precision,
      expected_purchases double precision,
      expected_avg_value double precision,
      clv double precision,
      next_order_at timestamptz,
      computed_at timestamptz not null
    );
    create index customer_metrics_stage_idx on customer_metrics (lifecycle_stage);
    create index customer_metrics_group_idx on customer_metrics (rfm_group);
    create index customer_metrics_clv_idx on customer_metrics (clv desc nulls last);

    -- Customers whose data changed since their metrics and segment memberships were computed. Filled by
    -- statement-level triggers on every table that feeds them, so no ingest path can forget to mark a change.
    create table customer_changes (
      customer_id bigint primary key,
      changed_at timestamptz not null default clock_timestamp()
    );

    create function patron_mark_changed() returns trigger language plpgsql as $$
    begin
      if TG_ARGV[0] = 'id' then
        insert into customer_changes (customer_id) select distinct id from changed_rows on conflict do nothing;
      else
        insert into customer_changes (customer_id) select distinct customer_id from changed_rows where customer_id is not null
          on conflict do nothing;
      end if;
      return null;
    end $$;
    create function patron_mark_changed_update() returns trigger language plpgsql as $$
    begin
      if TG_ARGV[0] = 'id' then
        insert into customer_changes (customer_id) select distinct id from changed_rows on conflict do nothing;
      else
        insert into customer_changes (customer_id)
          select customer_id from changed_rows where customer_id is not null
          union select customer_id from previous_rows where customer_id is not null
          on conflict do nothing;
      end if;
      return null;
    end $$;

    create trigger orders_changed_ins after insert on orders referencing new table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger orders_changed_upd after update on orders referencing new table as changed_rows old table as previous_rows
      for each statement execute function patron_mark_changed_update('customer_id');
    create trigger events_changed_ins after insert on events referencing new table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger events_changed_upd after update on events referencing new table as changed_rows old table as previous_rows
      for each statement execute function patron_mark_changed_update('customer_id');
    create trigger customers_changed_ins after insert on customers referencing new table as changed_rows
      for each statement execute function patron_mark_changed('id');
    create trigger customers_changed_upd after update on customers referencing new table as changed_rows old table as previous_rows
      for each statement execute function patron_mark_changed_update('id');
    create trigger tags_changed_ins after insert on customer_tags referencing new table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger tags_changed_del after delete on customer_tags referencing old table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger consents_changed_ins after insert on consents referencing new table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger identities_changed_ins after insert on customer_identities referencing new table as changed_rows
      for each statement execute function patron_mark_changed('customer_id');
    create trigger identities_changed_upd after update on customer_identities referencing new table as changed_rows old table as previous_rows
      for each statement execute function patron_mark_changed_update('customer_id');

    -- Fitted models and derived parameters (CLV fit, RFM breakpoints, lifecycle thresholds), newest per kind.
    create table analytics_models (
      id bigint generated by default as identity primary key,
      kind text not null check (kind in ('clv', 'rfm', 'lifecycle')),
      status text not null check (status in ('ready', 'insufficient_data')),
      params jsonb not null,
      fitted_at timestamptz not null default now()
    );
    create index analytics_models_kind_idx on analytics_models (kind, fitted_at desc, id desc);

    -- RFM group sizes at each full recompute, for "group sizes over time".
    create table rfm_history (
      as_of date not null,
      rfm_group text not null,
      customers integer not null,
      revenue bigint not null,
      primary key (as_of, rfm_group)
    );
  `.execute(db);
}
