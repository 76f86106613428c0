import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import type { LoyaltySettings } from '../../../contracts/loyalty.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { recordAudit } from '../audit/index.ts';
import { expirySql, loyaltyErrors } from './programme.ts';

/** What a process needs to write points: the programme, the store's zone and now (tests pass their own clock). */
export type LedgerContext = { settings: LoyaltySettings; timeZone: string; now: Date };

/** Points a person may spend now: lots available, not expired, not used up. */
export const availableSql = (now: Date) =>
  sql`l.remaining > 0 and l.available_at <= ${now} and (l.expires_at is null or l.expires_at > ${now})`;

export type Balance = {
  available: number;
  pending: number;
  expiring: number;
  expiringAt: string | null;
  earned: number;
  spent: number;
  expired: number;
};

/**
 * One person's points as a JSON object of `Balance`'s fields: SQL over the person's id (`customer`), with `soon` the
 * time up to which available points count as expiring.
 */
export const balanceSql = (customer: RawBuilder<unknown>, now: Date, soon: RawBuilder<unknown>) => sql`(
  select json_build_object(
    'available', coalesce(sum(l.remaining) filter (where ${availableSql(now)}), 0),
    'pending', coalesce(sum(l.remaining) filter (where l.remaining > 0 and l.available_at > ${now}), 0),
    'expiring', coalesce(sum(l.remaining) filter (where ${availableSql(now)} and l.expires_at <= ${soon}), 0),
    'expiringAt', min(l.expires_at) filter (where ${availableSql(now)} and l.expires_at <= ${soon}),
    'earned', coalesce(sum(l.points) filter (where l.points > 0), 0),
    'spent', coalesce(-sum(l.points) filter (where l.kind = 'redeem' or (l.kind = 'adjust' and l.points < 0)), 0),
    'expired', coalesce(-sum(l.points) filter (where l.kind = 'expire'), 0))
  from loyalty_ledger l where l.customer_id = ${customer})`;

/** A balance as `balanceSql` gives it, its time in ISO form. */
const balanceFrom = (b: Balance): Balance => ({
  ...b,
  expiringAt: b.expiringAt === null ? null : new Date(b.expiringAt).toISOString(),
});

/** One person's points: what they can spend, what is pending, what expires soon, and the totals of their history. */
export async function balanceOf(db: Db, customerId: number, c: { now: Date; reminderDays: number }): Promise<Balance> {
  const soon = new Date(c.now.getTime() + c.reminderDays * 86_400_000);
  const r = await sql<{ b: Balance }>`select ${balanceSql(sql`${customerId}`, c.now, sql`${soon}`)} as b`.execute(db);
  return balanceFrom(r.rows[0].b);
}

/**
 * Takes points out of a person's available lots, those expiring first first; returns how many it could take (at most
 * `points`). The caller holds the member's row lock, so two takers never read the same lots.
 */
export async function consume(trx: Db, customerId: number, points: number, now: Date): Promise<number> {
  const lots = await sql<{ id: number; remaining: number }>`
    select l.id, l.remaining from loyalty_ledger l where l.customer_id = ${customerId} and ${availableSql(now)}
    order by l.expires_at nulls last, l.id for update`.execute(trx);
  let left = points;
  const ids: number[] = [];
  const takes: number[] = [];
  for (const lot of lots.rows) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    ids.push(Number(lot.id));
    takes.push(take);
    left -= take;
  }
  if (ids.length > 0)
    await sql`update loyalty_ledger l set remaining = l.remaining - t.take
      from unnest(${ids}::bigint[], ${takes}::int[]) as t(id, take) where l.id = t.id`.execute(trx);
  return points - left;
}

/** Locks the member's row (serialising every spend of one balance) or says they are not a member. */
export async function lockMember(trx: Db, customerId: number) {
  const m = await trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'status'])
    .where('customer_id', '=', customerId)
    .forUpdate()
    .executeTakeFirst();
  if (m?.status !== 'active') throw loyaltyErrors.notMember(customerId);
  return m;
}

type Credit = {
  customerId: number;
  kind: 'bonus' | 'adjust';
  source: string;
  points: number;
  reason: string | null;
  actor: string | null;
  /** Default now (a bonus for an order waits with the order's points). */
  availableAt?: Date;
};

/** A lot of points, once per source; returns whether it was written (false: that source was already credited). */
export async function credit(trx: Db, c: LedgerContext, e: Credit): Promise<boolean> {
  const at = e.availableAt ?? c.now;
  const r = await sql`
    insert into loyalty_ledger (customer_id, kind, source, points, remaining, available_at, expires_at, reason, actor)
    values (${e.customerId}, ${e.kind}, ${e.source}, ${e.points}, ${e.points}, ${at}, ${expirySql(c.settings, c.timeZone, sql`${at}::timestamptz`)},
      ${e.reason}, ${e.actor})
    on conflict (source) do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** Points given for something outside the earn rules (a return resolved as store credit), once per source. */
export async function grantPoints(
  trx: Db,
  c: LedgerContext,
  g: { customerId: number; points: number; source: string; reason: string; actor: string },
): Promise<boolean> {
  await lockMember(trx, g.customerId);
  return credit(trx, c, { ...g, kind: 'adjust' });
}

export type LedgerRow = { id: number; source: string; points: number };

/**
 * Spends points (a redemption at the till, a reward): partial amounts, never below zero, once per key — two
 * redemptions racing on one balance are serialised by the member's lock, and the second sees what the first left.
 */
export async function redeemPoints(
  db: Db,
  c: LedgerContext,
  r: { customerId: number; points: number; key: string; reason: string | null; actor: Actor },
): Promise<LedgerRow> {
  return db.transaction().execute(async (trx) => {
    await lockMember(trx, r.customerId);
    const source = `redeem:${r.key}`;
    const done = await trx.selectFrom('loyalty_ledger').select(['id', 'source', 'points']).where('source', '=', source).executeTakeFirst();
    if (done) return { id: Number(done.id), source: done.source, points: done.points };
    const taken = await consume(trx, r.customerId, r.points, c.now);
    if (taken < r.points) throw loyaltyErrors.insufficient(taken, r.points);
    const row = await trx
      .insertInto('loyalty_ledger')
      .values({
        customer_id: r.customerId,
        kind: 'redeem',
        source,
        points: -r.points,
        available_at: c.now,
        reason: r.reason,
        actor: r.actor.label,
      })
      .returning(['id', 'source', 'points'])
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), source: row.source, points: row.points };
  });
}

/** A correction by a named user with a reason, audited: added points are available at once; removed ones must be there. */
export async function adjustPoints(
  db: Db,
  c: LedgerContext,
  a: { customerId: number; points: number; reason: string; actor: Actor },
): Promise<LedgerRow> {
  return db.transaction().execute(async (trx) => {
    await lockMember(trx, a.customerId);
    const source = `adjust:${randomUUID()}`;
    if (a.points > 0) {
      await credit(trx, c, { customerId: a.customerId, kind: 'adjust', source, points: a.points, reason: a.reason, actor: a.actor.label });
    } else {
      const taken = await consume(trx, a.customerId, -a.points, c.now);
      if (taken < -a.points) throw loyaltyErrors.insufficient(taken, -a.points);
      await trx
        .insertInto('loyalty_ledger')
        .values({
          customer_id: a.customerId,
          kind: 'adjust',
          source,
          points: a.points,
          available_at: c.now,
          reason: a.reason,
          actor: a.actor.label,
        })
        .execute();
    }
    const row = await trx
      .selectFrom('loyalty_ledger')
      .select(['id', 'source', 'points'])
      .where('source', '=', source)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: a.actor,
      action: 'loyalty.adjust',
      target: { type: 'customer', id: a.customerId },
      after: { points: a.points, reason: a.reason, entry: Number(row.id) },
    });
    return { id: Number(row.id), source: row.source, points: row.points };
  });
}

/** Lots past their expiry lose what is left of them, each as an `expire` entry (once per lot). Returns the lots expired. */
export async function expirePoints(db: Db, now: Date, limit = 50_000): Promise<number> {
  const r = await sql<{ n: number }>`
    with due as (
      select l.id, l.customer_id, l.remaining from loyalty_ledger l
      where l.remaining > 0 and l.expires_at <= ${now} order by l.expires_at limit ${limit} for update skip locked
    ), written as (
      insert into loyalty_ledger (customer_id, kind, source, points, remaining, available_at)
      select due.customer_id, 'expire', 'expire:' || due.id, -due.remaining, 0, ${now} from due
      on conflict (source) do nothing
    ), emptied as (
      update loyalty_ledger l set remaining = 0 from due where l.id = due.id returning 1
    )
    select count(*)::int as n from emptied`.execute(db);
  return r.rows[0].n;
}
