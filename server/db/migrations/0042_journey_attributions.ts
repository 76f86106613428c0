import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- An order is credited to the last marketing touch, a campaign's message or a journey's: one row per order, naming
    -- exactly one of the two.
    alter table campaign_attributions alter column campaign_id drop not null;
    alter table campaign_attributions add column journey_id bigint references journeys (id) on delete cascade;
    alter table campaign_attributions add constraint campaign_attributions_one_source check (num_nonnulls(campaign_id, journey_id) = 1);
    create index campaign_attributions_journey_idx on campaign_attributions (journey_id) where journey_id is not null;
  `.execute(db);
}
