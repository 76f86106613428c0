import { sql } from 'kysely';
import { type Retention, retention as retentionSchema } from '../../../contracts/privacy.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { defineScheduledJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { recordAudit } from '../audit/index.ts';
import { erasePersonIn } from './privacy.service.ts';

const KEY = 'privacy.retention';

export async function getRetention(db: Db): Promise<Retention> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
  return row ? retentionSchema.parse(row.value) : { inactiveMonths: null };
}

export async function setRetention(db: Db, opts: { retention: Retention; actor: Actor }): Promise<Retention> {
  return db.transaction().execute(async (trx) => {
    const before = await getRetention(trx);
    const value = JSON.stringify(opts.retention);
    await trx
      .insertInto('settings')
      .values({ key: KEY, value, updated_at: new Date(), updated_by: opts.actor.id })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date(), updated_by: opts.actor.id }))
      .execute();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'settings.update',
      target: { type: 'settings', id: KEY },
      before,
      after: opts.retention,
    });
    return opts.retention;
  });
}

/** Customers whose last sign of life (order, event or creation) is older than the cutoff. */
export async function inactiveSince(db: Db, cutoff: Date, limit: number): Promise<number[]> {
  const rows = await sql<{ id: number }>`
    select c.id from customers c
    where c.erased_at is null and c.merged_into is null and c.created_at < ${cutoff}
      and not exists (select 1 from orders o where o.customer_id = c.id and o.placed_at >= ${cutoff})
      and not exists (select 1 from events e where e.customer_id = c.id and e.occurred_at >= ${cutoff})
    order by c.id limit ${limit}`.execute(db);
  return rows.rows.map((r) => Number(r.id));
}

export const retentionJob = defineScheduledJob<AppContext>({
  name: 'privacy-retention',
  cron: '30 3 * * *',
  handler: async (ctx) => {
    const { inactiveMonths } = await getRetention(ctx.db);
    if (!inactiveMonths) return;
    const cutoff = new Date(ctx.clock.now());
    cutoff.setMonth(cutoff.getMonth() - inactiveMonths);
    const actor = { type: 'system' as const, id: null, label: 'retention rule', ip: null };
    for (;;) {
      const ids = await inactiveSince(ctx.db, cutoff, 200);
      if (ids.length === 0) return;
      for (const id of ids) {
        await ctx.db.transaction().execute((trx) =>
          erasePersonIn(trx, {
            customerId: id,
            actor,
            source: `retention: inactive ${inactiveMonths} months`,
            now: ctx.clock.now(),
            data: ctx.modules.customerData,
          }),
        );
      }
    }
  },
});
