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
  /** The CSV import that brought the event (its undo removes it). */
  importId?: number | null;
};

/**
 * Set-based insert of behaviour events; a repeated message id is skipped (dedupe). Returns how many
 * were stored and which message ids among them (events without one are always stored).
 */
export async function insertEvents(db: Db, events: readonly NewEvent[]): Promise<{ count: number; messageIds: Set<string> }> {
  if (events.length === 0) return { count: 0, messageIds: new Set() };
  const col = <T>(f: (e: NewEvent) => T) => events.map(f);
  const result = await sql<{ message_id: string | null }>`
    insert into events (customer_id, anonymous_id, type, name, properties, occurred_at, received_at, message_id, source_id, import_id)
    select * from unnest(${col((e) => e.customerId)}::bigint[], ${col((e) => e.anonymousId)}::text[],
      ${col((e) => e.type)}::text[], ${col((e) => e.name)}::text[], ${col((e) => JSON.stringify(e.properties))}::jsonb[],
      ${col((e) => e.occurredAt.toISOString())}::timestamptz[], ${col((e) => e.receivedAt.toISOString())}::timestamptz[],
      ${col((e) => e.messageId)}::text[], ${col((e) => e.sourceId ?? null)}::bigint[], ${col((e) => e.importId ?? null)}::bigint[])
    on conflict (message_id) do nothing
    returning message_id`.execute(db);
  return { count: result.rows.length, messageIds: new Set(result.rows.flatMap((r) => (r.message_id === null ? [] : [r.message_id]))) };
}
