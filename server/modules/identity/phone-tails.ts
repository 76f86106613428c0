import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { defineScheduledJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { phoneTailIndex } from '../customers/index.ts';

const BATCH = 2000;

/**
 * Fills the last-four-digits index of phones stored before it existed (new phones get it on write), a batch per
 * transaction. A phone without a stored value gets '' (nothing to find it by, and not looked at again).
 */
export async function backfillPhoneTails(db: Db, keyring: Keyring): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await db
      .selectFrom('customer_identities')
      .select(['id', 'value_enc'])
      .where('kind', '=', 'phone')
      .where('tail_bidx', 'is', null)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return done;
    const tails = rows.map((r) => (r.value_enc ? phoneTailIndex(keyring, decryptField(keyring, r.value_enc)) : ''));
    await sql`update customer_identities i set tail_bidx = u.tail from unnest(${rows.map((r) => r.id)}::bigint[], ${tails}::text[]) as u(id, tail)
      where i.id = u.id`.execute(db);
    done += rows.length;
  }
}

/** Every ten minutes: cheap when there is nothing to fill (one probe of a partial index). */
export const phoneTailsJob = defineScheduledJob<AppContext>({
  name: 'phone-tails-backfill',
  cron: '*/10 * * * *',
  expireInSeconds: 3600,
  handler: async (ctx) => {
    const filled = await backfillPhoneTails(ctx.db, ctx.keyring);
    if (filled > 0) ctx.log.info({ filled }, 'phone tail index filled');
  },
});
