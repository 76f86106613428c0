import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/index.ts';

/** Identifiers a source (an import) gave to people it did not create, removed; returns how many. */
export async function forgetIdentitiesFrom(trx: Db, opts: { source: string; except: RawBuilder<unknown> }): Promise<number> {
  const r = await sql`delete from customer_identities i where i.source = ${opts.source} and i.customer_id not in (${opts.except})`.execute(
    trx,
  );
  return Number(r.numAffectedRows ?? 0);
}
