import { type RawBuilder, sql } from 'kysely';
import { type Db, applyAnalyticalSettings, customerIdRanges, sideBySide } from '../../db/index.ts';
import { scopeFilter } from '../analytics/index.ts';
import { ACTIVITY_DEPTH } from './compiler.ts';

/**
 * `customer_activity` (migration 0019): per customer, the count and the ACTIVITY_DEPTH newest times of their
 * events by name and of their paid, uncancelled orders — all of them, and those holding a product of each
 * category — as the order and event conditions of the compiler count them. The change drain rewrites the
 * rows of the customers it takes (`refreshActivity`); a bulk load rebuilds everyone's (`rebuildActivity`).
 */

export type ActivityScope = { ids: readonly number[] } | { fromId: number; toId: number };

/** Listed ids joined as a set (probed one by one: `= any(…)` planned scans of every order and item), a range as a range. */
const inScope = (scope: ActivityScope, column: RawBuilder<unknown>) => scopeFilter(scope, column, 'set');

/** Rewrites the activity rows of the customers in scope from their orders and events. */
export async function refreshActivity(db: Db, scope: ActivityScope): Promise<void> {
  const newest = (column: RawBuilder<unknown>) => sql`(array_agg(${column} order by ${column} desc))[1:${sql.lit(ACTIVITY_DEPTH)}]`;
  await sql`delete from customer_activity where ${inScope(scope, sql`customer_id`)}`.execute(db);
  await sql`
    with paid as (
      select o.id, o.customer_id, o.placed_at from orders o
      where ${inScope(scope, sql`o.customer_id`)} and o.paid_at is not null and o.status <> 'cancelled'
    )
    insert into customer_activity (kind, key, customer_id, total, latest)
    select 'event', e.name, e.customer_id, count(*)::int, ${newest(sql`e.occurred_at`)}
    from events e where ${inScope(scope, sql`e.customer_id`)} group by e.customer_id, e.name
    union all
    select 'order', '', customer_id, count(*)::int, ${newest(sql`placed_at`)} from paid group by customer_id
    union all
    select 'category', category, customer_id, count(*)::int, ${newest(sql`placed_at`)} from (
      select distinct p.customer_id, p.id, p.placed_at, pr.category
      from paid p join order_items i on i.order_id = p.id and ${inScope(scope, sql`i.customer_id`)} join products pr on pr.id = i.product_id
    ) bought group by customer_id, category`.execute(db);
}

const CHUNK = 20_000;
const SIDE_BY_SIDE = 2;

/** Everyone's activity rows, in id ranges (two at a time: each statement is one core). Returns the rows written. */
export async function rebuildActivity(db: Db): Promise<number> {
  await sideBySide(await customerIdRanges(db, { size: CHUNK }), SIDE_BY_SIDE, (range) =>
    db.transaction().execute(async (trx) => {
      await applyAnalyticalSettings(trx, { sideBySide: true });
      await refreshActivity(trx, range);
    }),
  );
  await sql`analyze customer_activity`.execute(db);
  return Number((await sql<{ n: number }>`select count(*)::int as n from customer_activity`.execute(db)).rows[0].n);
}
