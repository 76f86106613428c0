import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The unassigned view (the desk's triage queue) in the queue's order, on its own: its page and its capped total are
    -- read from this index alone, not from the heap of every open ticket to find the few that no one has.
    create index tickets_unassigned_idx on tickets (updated_at desc, id desc)
      where assignee_id is null and status in ('new', 'open') and merged_into is null;
  `.execute(db);
}
