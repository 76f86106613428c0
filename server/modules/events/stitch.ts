import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';

/** Identity stitching: a visitor's earlier anonymous events become the person's once the visitor is known. */
export async function stitchAnonymousEvents(trx: Db, visitors: readonly { anonymousId: string; customerId: number }[]): Promise<void> {
  if (visitors.length === 0) return;
  await sql`update events e set customer_id = m.id
    from unnest(${visitors.map((v) => v.anonymousId)}::text[], ${visitors.map((v) => v.customerId)}::bigint[]) as m(key, id)
    where e.anonymous_id = m.key and e.customer_id is null`.execute(trx);
}

/** An undone import's events; returns how many. */
export async function removeImportedEvents(trx: Db, importId: number): Promise<number> {
  const r = await sql`delete from events where import_id = ${importId}`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}
