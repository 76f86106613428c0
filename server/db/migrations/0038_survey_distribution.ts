import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- An invitation may be about one thing (a solved ticket, an order): then a person answers once per subject
    -- (a CSAT per ticket), else once per survey. '' is "about nothing in particular".
    alter table survey_invitations add column subject text not null default '';
    alter table survey_invitations drop constraint survey_invitations_survey_id_customer_id_key;
    alter table survey_invitations add constraint survey_invitations_subject_key unique (survey_id, customer_id, subject);

    -- A survey Patron keeps for its own use (the service desk's CSAT), found by this key; null for the store's own.
    alter table surveys add column system_key text unique;
  `.execute(db);
}
