import { sql } from 'kysely';
import type { Db, EventTable } from '../../db/index.ts';

export type NewEvent = {
  customerId: number | null;
  anonymousId: string | null;
  type: EventTable['type'];
  name: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
  receivedAt: Date;
  messageId: string | null;
  sourceId?: number | null;
};

/** Set-based insert of behaviour events; a repeated message id is skipped (dedupe). */
export async function insertEvents(db: Db, events: readonly NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const col = <T>(f: (e: NewEvent) => T) => events.map(f);
  const result = await sql`
    insert into events (customer_id, anonymous_id, type, name, properties, occurred_at, received_at, message_id, source_id)
    select * from unnest(${col((e) => e.customerId)}::bigint[], ${col((e) => e.anonymousId)}::text[],
      ${col((e) => e.type)}::text[], ${col((e) => e.name)}::text[], ${col((e) => JSON.stringify(e.properties))}::jsonb[],
      ${col((e) => e.occurredAt.toISOString())}::timestamptz[], ${col((e) => e.receivedAt.toISOString())}::timestamptz[],
      ${col((e) => e.messageId)}::text[], ${col((e) => e.sourceId ?? null)}::bigint[])
    on conflict (message_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
