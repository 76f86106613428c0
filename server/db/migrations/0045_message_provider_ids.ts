import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A delivery receipt names the provider's id of a message (Tencent's serial, an Aliyun batch's BizId and number): found
    -- by this index, not by reading every message ever sent.
    create index messages_provider_message_idx on messages (provider_message_id) where provider_message_id is not null;
  `.execute(db);
}
