import { sql } from 'kysely';
import type { MemberView } from '../../../contracts/loyalty.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { readSignedId, signId } from '../../platform/signed-id.ts';
import { recordAudit } from '../audit/index.ts';
import { currentCustomerId } from '../customers/index.ts';
import { availableSql, balanceOf, credit, type LedgerContext } from './ledger.ts';
import type { LedgerKind } from './loyalty.tables.ts';
import { loyaltyErrors, tierOf } from './programme.ts';
import { applyTiers, tierMovesSql } from './tiers.ts';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** Writes a new member (once) with the sign-up bonus; their tier is evaluated at once (a tier open to all is theirs). */
export async function joinMember(
  db: Db,
  c: LedgerContext,
  j: { customerId: number; joinedAt?: Date; source: string; actor: Actor },
): Promise<void> {
  const customerId = await currentCustomerId(db, j.customerId);
  await db.transaction().execute(async (trx) => {
    const row = await sql<{ customer_id: number }>`
      insert into loyalty_members (customer_id, member_no, joined_at, source)
      values (${customerId}, ${c.settings.memberNoPrefix} || lpad(nextval('loyalty_member_no_seq')::text, 8, '0'), ${j.joinedAt ?? c.now}, ${j.source})
      on conflict (customer_id) do nothing returning customer_id`.execute(trx);
    if (row.rows.length === 0) throw loyaltyErrors.alreadyMember(customerId);
    await welcome(trx, c, [customerId]);
    await recordAudit(trx, {
      actor: j.actor,
      action: 'loyalty.join',
      target: { type: 'customer', id: customerId },
      after: { source: j.source },
    });
  });
}

/** What a new member gets: the sign-up bonus and their tier. */
export async function welcome(trx: Db, c: LedgerContext, customerIds: readonly number[]) {
  if (c.settings.bonuses.signup > 0)
    for (const id of customerIds)
      await credit(trx, c, {
        customerId: id,
        kind: 'bonus',
        source: `bonus:signup:${id}`,
        points: c.settings.bonuses.signup,
        reason: 'signup',
        actor: null,
      });
  return applyTiers(trx, c, customerIds);
}

/** The programme figure over the current term, and what the next tier up needs. */
async function progressOf(db: Db, c: LedgerContext, customerId: number, tier: string | null) {
  const r = await sql<{ value: number }>`select value from (${tierMovesSql(c, [customerId])}) mv`.execute(db);
  const value = Number(r.rows[0]?.value ?? 0);
  const rank = tier === null ? -1 : c.settings.tiers.findIndex((t) => t.key === tier);
  const next = c.settings.tiers[rank + 1];
  return { basis: c.settings.tierBasis, value, nextTier: next?.key ?? null, needed: next ? Math.max(0, next.entry - value) : null };
}

/** Whether the person is an active member of the programme (points can be granted to them). */
export async function isActiveMember(db: Db, customerId: number): Promise<boolean> {
  const m = await db.selectFrom('loyalty_members').select('status').where('customer_id', '=', customerId).executeTakeFirst();
  return m?.status === 'active';
}

export async function memberOf(db: Db, c: LedgerContext, customerId: number): Promise<MemberView> {
  const m = await db.selectFrom('loyalty_members').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
  if (!m) throw loyaltyErrors.notMember(customerId);
  const [balance, progress] = await Promise.all([
    balanceOf(db, customerId, { now: c.now, reminderDays: c.settings.expiry.reminderDays }),
    progressOf(db, c, customerId, m.tier),
  ]);
  const tier = tierOf(c.settings, m.tier);
  return {
    customerId,
    memberNo: m.member_no,
    status: m.status,
    joinedAt: new Date(m.joined_at).toISOString(),
    source: m.source,
    tier: m.tier,
    tierName: tier?.name ?? null,
    tierSince: iso(m.tier_since),
    tierReviewAt: iso(m.tier_review_at),
    freeShipping: tier?.freeShipping ?? false,
    progress,
    balance,
  };
}

export async function listMembers(db: Db, q: { limit: number; offset: number; tier?: string; q?: string }, now: Date) {
  let base = db.selectFrom('loyalty_members as m');
  if (q.tier) base = q.tier === '-' ? base.where('m.tier', 'is', null) : base.where('m.tier', '=', q.tier);
  if (q.q) base = base.where('m.member_no', 'like', `%${q.q.replace(/[%_\\]/g, '\\$&')}%`);
  const [rows, total] = await Promise.all([
    base
      .leftJoin('customers as c', 'c.id', 'm.customer_id')
      .select([
        'm.customer_id',
        'm.member_no',
        'm.status',
        'm.joined_at',
        'm.tier',
        'c.name',
        sql<number>`(select coalesce(sum(l.remaining) filter (where ${availableSql(now)}), 0)
          from loyalty_ledger l where l.customer_id = m.customer_id and l.remaining > 0)::int`.as('available'),
        sql<number>`(select coalesce(sum(l.remaining) filter (where l.available_at > ${now}), 0)
          from loyalty_ledger l where l.customer_id = m.customer_id and l.remaining > 0)::int`.as('pending'),
      ])
      .orderBy('m.joined_at', 'desc')
      .orderBy('m.customer_id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      customerId: Number(r.customer_id),
      memberNo: r.member_no,
      name: r.name,
      status: r.status,
      joinedAt: new Date(r.joined_at).toISOString(),
      tier: r.tier,
      available: r.available,
      pending: r.pending,
    })),
    total: total.n,
  };
}

/** A ledger row as read directly (times as Date) or as JSON (times as text). */
export type LedgerRow = {
  id: number | string;
  kind: LedgerKind;
  source: string;
  points: number;
  remaining: number;
  available_at: Date | string;
  expires_at: Date | string | null;
  order_id: number | string | null;
  reason: string | null;
  actor: string | null;
  created_at: Date | string;
};

/** A ledger entry's state as the member sees it. */
function stateOf(e: LedgerRow, now: Date) {
  if (e.points <= 0) return e.kind === 'expire' ? 'expired' : 'spent';
  if (new Date(e.available_at) > now) return 'pending';
  if (e.remaining === 0) return e.expires_at && new Date(e.expires_at) <= now ? 'expired' : 'used';
  return e.expires_at && new Date(e.expires_at) <= now ? 'expired' : 'available';
}

/** A ledger entry as the member and the admin see it. */
export const ledgerEntry = (e: LedgerRow, now: Date) => ({
  id: Number(e.id),
  kind: e.kind,
  source: e.source,
  points: e.points,
  remaining: e.remaining,
  state: stateOf(e, now),
  availableAt: new Date(e.available_at).toISOString(),
  expiresAt: iso(e.expires_at),
  orderId: e.order_id === null ? null : Number(e.order_id),
  reason: e.reason,
  actor: e.actor,
  createdAt: new Date(e.created_at).toISOString(),
});

export async function ledgerOf(db: Db, customerId: number, q: { limit: number; offset: number }, now: Date) {
  const [rows, total] = await Promise.all([
    db
      .selectFrom('loyalty_ledger')
      .selectAll()
      .where('customer_id', '=', customerId)
      .orderBy('id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    db
      .selectFrom('loyalty_ledger')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('customer_id', '=', customerId)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((e) => ledgerEntry(e, now)),
    total: total.n,
  };
}

/** The member page's signed link: a person, unforgeable, needing no sign-in. */
export const memberToken = (keyring: Keyring, customerId: number) => signId(keyring, 'loyalty-member', customerId);

export const readMemberToken = (keyring: Keyring, token: string) => readSignedId(keyring, 'loyalty-member', token);

export const memberUrl = (publicUrl: string, keyring: Keyring, customerId: number) => `${publicUrl}/m/${memberToken(keyring, customerId)}`;
