import { type RawBuilder, sql } from 'kysely';
import type { LoyaltySettings } from '../../../contracts/loyalty.ts';
import type { Db } from '../../db/index.ts';

export type TierContext = { settings: LoyaltySettings; timeZone: string; now: Date };

/** The start of the current term at `now` (null: lifetime, no start). */
const termStart = (c: TierContext): RawBuilder<unknown> => {
  switch (c.settings.tierTerm) {
    case 'calendar_year':
      return sql`(date_trunc('year', ${c.now}::timestamptz at time zone ${c.timeZone}) at time zone ${c.timeZone})`;
    case 'rolling_12':
      return sql`(${c.now}::timestamptz - interval '12 months')`;
    case 'lifetime':
      return sql`'-infinity'::timestamptz`;
  }
};

/** When a tier reached at `from` is next reviewed for a downgrade: the end of its term (null: lifetime, never). */
export const reviewAtSql = (c: TierContext, from: RawBuilder<unknown>): RawBuilder<unknown> => {
  switch (c.settings.tierTerm) {
    case 'calendar_year':
      return sql`((date_trunc('year', ${from} at time zone ${c.timeZone}) + interval '1 year') at time zone ${c.timeZone})`;
    case 'rolling_12':
      return sql`(${from} + interval '12 months')`;
    case 'lifetime':
      return sql`null::timestamptz`;
  }
};

/** The programme's figure per member over [start, end) (no end: up to now, whatever has been recorded): net spend (分), paid orders, or points earned. */
function figureSql(c: TierContext, members: RawBuilder<unknown>, start: RawBuilder<unknown>, end: RawBuilder<unknown> | null) {
  const before = (col: RawBuilder<unknown>) => (end === null ? sql`` : sql`and ${col} < ${end}`);
  if (c.settings.tierBasis === 'points')
    return sql`select l.customer_id, sum(l.points)::numeric as v from loyalty_ledger l join ${members} on mm.customer_id = l.customer_id
      where l.kind in ('earn', 'bonus', 'clawback') and l.created_at >= ${start} ${before(sql`l.created_at`)} group by 1`;
  const figure =
    c.settings.tierBasis === 'orders'
      ? sql`count(*) filter (where o.total_amount > o.refunded_amount)`
      : sql`sum(greatest(o.total_amount - o.refunded_amount, 0))`;
  return sql`select o.customer_id, (${figure})::numeric as v from orders o join ${members} on mm.customer_id = o.customer_id
    where o.paid_at >= ${start} ${before(sql`o.paid_at`)} and o.status <> 'cancelled' group by 1`;
}

/**
 * Where each member (of `customerIds`, or all) belongs now: up at once to the highest tier whose entry threshold the
 * current term's figure reaches; down only when their tier's term has ended (tier_review_at passed), to the highest
 * tier at or below theirs whose keep threshold the ended term's figure reached (or up, had it qualified higher). A tier
 * no longer in the programme is left for the one the figure qualifies for.
 */
export function tierMovesSql(
  c: TierContext,
  customerIds?: readonly number[],
): RawBuilder<{
  customer_id: number;
  from_tier: string | null;
  to_tier: string | null;
  value: number;
  review_at: Date | null;
}> {
  const tiers = JSON.stringify(c.settings.tiers.map((t, i) => ({ key: t.key, entry: t.entry, keep: t.keep, rank: i + 1 })));
  const only = customerIds ? sql`and m.customer_id = any(${customerIds as number[]}::bigint[])` : sql``;
  const end = sql`${c.now}::timestamptz`;
  return sql`
    with tiers as (select * from jsonb_to_recordset(${tiers}::jsonb) as t(key text, entry numeric, keep numeric, rank int)),
    m as (
      select m.customer_id, m.tier, m.tier_review_at, (m.tier_review_at is not null and m.tier_review_at <= ${end}) as due,
        (select t.rank from tiers t where t.key = m.tier) as rank
      from loyalty_members m where m.status = 'active' ${only}
    ),
    cur as (${figureSql(c, sql`m as mm`, termStart(c), null)}),
    rev as (${figureSql(c, sql`(select * from m where due) as mm`, sql`(mm.tier_review_at - interval '1 year')`, sql`mm.tier_review_at`)}),
    calc as (
      select m.*, coalesce(cur.v, 0) as cur_v, coalesce(rev.v, 0) as rev_v,
        (select t.rank from tiers t where t.entry <= coalesce(cur.v, 0) order by t.rank desc limit 1) as qualified,
        (select t.rank from tiers t where t.keep <= coalesce(rev.v, 0) and t.rank <= m.rank order by t.rank desc limit 1) as kept
      from m left join cur on cur.customer_id = m.customer_id left join rev on rev.customer_id = m.customer_id
    ),
    decided as (
      select calc.*, case
        when m_rank_gone then qualified
        when coalesce(qualified, 0) > coalesce(rank, 0) then qualified
        when due then greatest(kept, qualified)
        else rank end as to_rank
      from (select calc.*, (calc.tier is not null and calc.rank is null) as m_rank_gone from calc) calc
    )
    select d.customer_id, d.tier as from_tier, (select t.key from tiers t where t.rank = d.to_rank) as to_tier, d.cur_v::float8 as value,
      d.tier_review_at as review_at
    from decided d`;
}

export type TierMove = { customerId: number; from: string | null; to: string | null };

/**
 * Moves members to where they belong, recording each change, and sets when each tier is next reviewed. Returns the
 * moves (the caller issues upgrade coupons).
 */
export async function applyTiers(trx: Db, c: TierContext, customerIds?: readonly number[]): Promise<TierMove[]> {
  if (customerIds && customerIds.length === 0) return [];
  const ranks = JSON.stringify(c.settings.tiers.map((t, i) => ({ key: t.key, rank: i + 1 })));
  const r = await sql<{ customer_id: number; from_tier: string | null; to_tier: string | null }>`
    with moves as (${tierMovesSql(c, customerIds)}),
    ranks as (select * from jsonb_to_recordset(${ranks}::jsonb) as r(key text, rank int)),
    changed as (
      update loyalty_members m set tier = mv.to_tier, tier_since = ${c.now},
        tier_review_at = case when mv.to_tier is null then null else ${reviewAtSql(c, sql`${c.now}::timestamptz`)} end
      from moves mv where m.customer_id = mv.customer_id and mv.from_tier is distinct from mv.to_tier
      returning m.customer_id, mv.from_tier, mv.to_tier
    ), reviewed as (
      -- Reviewed and kept: the next review is a term later.
      update loyalty_members m set tier_review_at = ${reviewAtSql(c, sql`m.tier_review_at`)}
      from moves mv where m.customer_id = mv.customer_id and mv.from_tier is not distinct from mv.to_tier
        and m.tier_review_at <= ${c.now}
    ), logged as (
      insert into loyalty_tier_changes (customer_id, from_tier, to_tier, direction, changed_at)
      select ch.customer_id, ch.from_tier, ch.to_tier,
        case when coalesce((select r.rank from ranks r where r.key = ch.to_tier), 0) > coalesce((select r.rank from ranks r where r.key = ch.from_tier), 0)
          then 'up' else 'down' end, ${c.now}
      from changed ch
    )
    select * from changed`.execute(trx);
  return r.rows.map((x) => ({ customerId: Number(x.customer_id), from: x.from_tier, to: x.to_tier }));
}

/** Who would move if these rules were saved now, counted per move, with a sample — nothing is written. */
export async function previewTiers(db: Db, c: TierContext) {
  const moves = await sql<{ from_tier: string | null; to_tier: string | null; members: number }>`
    select from_tier, to_tier, count(*)::int as members from (${tierMovesSql(c)}) mv
    where from_tier is distinct from to_tier group by 1, 2 order by 3 desc`.execute(db);
  const sample = await sql<{ customer_id: number; member_no: string; from_tier: string | null; to_tier: string | null }>`
    select mv.customer_id, m.member_no, mv.from_tier, mv.to_tier from (${tierMovesSql(c)}) mv
    join loyalty_members m on m.customer_id = mv.customer_id
    where mv.from_tier is distinct from mv.to_tier order by mv.customer_id limit 50`.execute(db);
  return {
    moves: moves.rows.map((r) => ({ from: r.from_tier, to: r.to_tier, members: r.members })),
    sample: sample.rows.map((r) => ({ customerId: Number(r.customer_id), memberNo: r.member_no, from: r.from_tier, to: r.to_tier })),
  };
}
