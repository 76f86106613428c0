import { sql } from 'kysely';
import { moveRows, moveRowsBack } from '../../platform/merge-rows.ts';
import {
  type CustomerData,
  type CustomerPanel,
  type MessageScope,
  type PanelColumn,
  type PanelContent,
  type SegmentField,
  labels,
  panelRows,
} from '../../platform/registry.ts';
import { type Balance, availableSql, balanceSql } from './ledger.ts';
import { type LedgerRow, ledgerEntry, memberUrl } from './members.ts';
import { loyaltySettingsFrom, loyaltySettingsOf, loyaltySettingsSql, reminderDaysSql, tierOf } from './programme.ts';

const members: CustomerData = {
  table: 'loyalty_members',
  key: 'customer_id',
  // One membership per person: the merged person's moves to a survivor who has none; else it stays on the merged profile
  // (their points move either way).
  merge: {
    move: (trx, m) => moveRows(trx, members, m, sql`and not exists (select 1 from loyalty_members s where s.customer_id = ${m.toId})`),
    undo: (trx, m) => moveRowsBack(trx, members, m),
  },
  export: { name: 'membership', file: 'loyalty_membership.csv', orderBy: 'customer_id' },
  erase: 'delete',
  changes: ['insert', 'update'],
};

/** Membership, points, tier history and coupons follow the person; erasure removes membership and points. */
export const loyaltyData: readonly CustomerData[] = [
  members,
  { table: 'loyalty_ledger', export: { name: 'points', file: 'loyalty_points.csv', orderBy: 'id' }, erase: 'delete', changes: ['insert'] },
  {
    table: 'loyalty_tier_changes',
    merge: 'keep',
    export: { name: 'tierChanges', file: 'loyalty_tier_changes.csv', orderBy: 'id' },
    erase: 'delete',
  },
  {
    table: 'coupons',
    key: 'code',
    export: { name: 'coupons', file: 'coupons.csv', orderBy: 'code' },
    // A code stays (it may be printed or half used) but names no one.
    erase: async (trx, e) => {
      const r = await trx.updateTable('coupons').set({ customer_id: null }).where('customer_id', '=', e.customerId).executeTakeFirst();
      return { coupons: Number(r.numUpdatedRows) };
    },
  },
  {
    table: 'coupon_redemptions',
    export: { name: 'couponRedemptions', file: 'coupon_redemptions.csv', orderBy: 'id' },
    erase: 'keep',
    changes: ['insert', 'update'],
  },
];

const available = sql`(select coalesce(sum(l.remaining), 0) from loyalty_ledger l where l.customer_id = c.id and l.remaining > 0
  and l.available_at <= now() and (l.expires_at is null or l.expires_at > now()))`;

export const loyaltyFields: readonly SegmentField[] = [
  {
    key: 'loyalty.member',
    type: 'boolean',
    label: labels('是会员', 'Is a member'),
    expr: sql`exists (select 1 from loyalty_members m where m.customer_id = c.id and m.status = 'active')`,
  },
  {
    key: 'loyalty.tier',
    type: 'text',
    label: labels('会员等级', 'Loyalty tier'),
    expr: sql`(select m.tier from loyalty_members m where m.customer_id = c.id)`,
  },
  {
    key: 'loyalty.joined_at',
    type: 'date',
    label: labels('开卡日期', 'Member since'),
    expr: sql`(select m.joined_at from loyalty_members m where m.customer_id = c.id)`,
  },
  { key: 'loyalty.points', type: 'number', label: labels('可用积分', 'Points available'), expr: available },
  {
    key: 'loyalty.coupons_redeemed',
    type: 'number',
    label: labels('已用优惠券数', 'Coupons redeemed'),
    expr: sql`(select count(*) from coupon_redemptions r where r.customer_id = c.id and r.undone_at is null)`,
  },
  {
    key: 'loyalty.coupons_unused',
    type: 'number',
    label: labels('未用优惠券数', 'Coupons unused'),
    expr: sql`(select count(*) from coupons k where k.customer_id = c.id and not k.void and k.used < k.max_uses
      and (k.expires_at is null or k.expires_at > now()))`,
  },
];

const KIND = {
  earn: labels('购物', 'Purchase'),
  bonus: labels('奖励', 'Bonus'),
  adjust: labels('调整', 'Adjustment'),
  redeem: labels('兑换', 'Redeemed'),
  expire: labels('过期', 'Expired'),
  clawback: labels('退款扣回', 'Refund clawback'),
} as const;
const STATE = {
  pending: labels('待生效', 'Pending'),
  available: labels('可用', 'Available'),
  used: labels('已用完', 'Used'),
  expired: labels('已过期', 'Expired'),
  spent: labels('已扣减', 'Deducted'),
} as const;

const pointsField = {
  key: 'points',
  label: labels('积分（负数为扣减）', 'Points (negative to deduct)'),
  type: 'integer' as const,
  required: true,
};
const reasonField = { key: 'reason', label: labels('原因', 'Reason'), type: 'text' as const, required: true };

const MEMBERSHIP_COLUMNS: PanelColumn[] = [
  { key: 'memberNo', label: labels('会员号', 'Member no.') },
  { key: 'tier', label: labels('等级', 'Tier') },
  { key: 'available', label: labels('可用积分', 'Available') },
  { key: 'pending', label: labels('待生效', 'Pending') },
  { key: 'expiring', label: labels('即将过期', 'Expiring soon') },
  { key: 'joinedAt', label: labels('开卡', 'Joined'), type: 'datetime' },
];

type MembershipValue = {
  member: { member_no: string; tier: string | null; joined_at: string } | null;
  settings: unknown;
  balance: Balance;
};

/** Membership and balance with the programme it is read against, in one JSON value (over `c`); the programme read once. */
const membershipSql = (now: Date) => {
  const soon = sql`${now}::timestamptz + make_interval(days => ${reminderDaysSql(sql`p.stored`)})`;
  return sql`(select json_build_object(
    'member', (select json_build_object('member_no', m.member_no, 'tier', m.tier, 'joined_at', m.joined_at)
      from loyalty_members m where m.customer_id = c.id),
    'settings', p.stored,
    'balance', ${balanceSql(sql`c.id`, now, soon)})
    from (select ${loyaltySettingsSql()} as stored) p)`;
};

function membershipPanel({ member: m, settings: stored, balance }: MembershipValue, customerId: number): PanelContent {
  if (!m)
    return {
      rows: [],
      actions: [
        {
          key: 'join',
          label: labels('开卡（加入会员）', 'Enrol as member'),
          permission: 'loyalty.write' as const,
          path: '/loyalty/members',
          fields: [],
          body: { customerId },
        },
      ],
    };
  const settings = loyaltySettingsFrom(stored);
  return {
    rows: [
      {
        memberNo: m.member_no,
        tier: tierOf(settings, m.tier)?.name ?? m.tier,
        available: balance.available,
        pending: balance.pending,
        expiring: balance.expiring,
        joinedAt: new Date(m.joined_at).toISOString(),
      },
    ],
    actions: [
      {
        key: 'adjust',
        label: labels('调整积分', 'Adjust points'),
        permission: 'loyalty.write' as const,
        path: `/loyalty/members/${customerId}/adjust`,
        fields: [pointsField, reasonField],
      },
    ],
  };
}

/** The 360's loyalty panels: membership and balance (with the adjust and enrol actions), then the points history. */
export const loyaltyPanels: readonly CustomerPanel[] = [
  {
    key: 'loyalty',
    title: labels('会员与积分', 'Loyalty'),
    columns: MEMBERSHIP_COLUMNS,
    select: ({ now }) => membershipSql(now),
    present: (value: MembershipValue, p) => membershipPanel(value, p.customerId),
  },
  {
    key: 'loyalty_ledger',
    title: labels('积分明细', 'Points history'),
    columns: [
      { key: 'createdAt', label: labels('时间', 'When'), type: 'datetime' },
      { key: 'kind', label: labels('类型', 'Kind'), values: KIND },
      { key: 'points', label: labels('积分', 'Points') },
      { key: 'state', label: labels('状态', 'State'), values: STATE },
      { key: 'reason', label: labels('说明', 'Note') },
    ],
    select: () => panelRows(sql`select * from loyalty_ledger l where l.customer_id = c.id order by l.id desc limit 20`, sql`r.id desc`),
    present: (rows: LedgerRow[], p) => ({
      rows: rows
        .map((row) => ledgerEntry(row, p.now))
        .map((e) => ({
          createdAt: e.createdAt,
          kind: e.kind,
          points: e.points,
          state: e.state,
          reason: [e.reason, e.actor].filter(Boolean).join(' · ') || (e.orderId ? `#${e.orderId}` : null),
        })),
    }),
  },
];

/**
 * What a message may print of a person's membership: `{{ points.balance }}`, `{{ points.expiring }}` with
 * `{{ points.expires_on }}`, `{{ loyalty.member_no }}`, `{{ loyalty.tier }}` and the member page's
 * `{{ loyalty.member_url }}` (empty for a person who is not a member).
 */
export const loyaltyScope: MessageScope = {
  names: ['points', 'loyalty'],
  empty: { points: { balance: 0, expiring: 0, expires_on: null }, loyalty: { member_no: null, tier: null, member_url: null } },
  load: async (db, p) => {
    const settings = await loyaltySettingsOf(db);
    const soon = new Date(p.now.getTime() + settings.expiry.reminderDays * 86_400_000);
    const rows = await sql<{
      customer_id: number;
      member_no: string;
      tier: string | null;
      balance: number;
      expiring: number;
      expires_at: Date | null;
    }>`
      select m.customer_id, m.member_no, m.tier,
        coalesce(sum(l.remaining) filter (where ${availableSql(p.now)}), 0)::int as balance,
        coalesce(sum(l.remaining) filter (where ${availableSql(p.now)} and l.expires_at <= ${soon}), 0)::int as expiring,
        min(l.expires_at) filter (where ${availableSql(p.now)} and l.expires_at <= ${soon}) as expires_at
      from loyalty_members m left join loyalty_ledger l on l.customer_id = m.customer_id and l.remaining > 0
      where m.customer_id = any(${p.customerIds as number[]}::bigint[]) and m.status = 'active'
      group by m.customer_id, m.member_no, m.tier`.execute(db);
    return new Map(
      rows.rows.map((r) => [
        Number(r.customer_id),
        {
          points: {
            balance: r.balance,
            expiring: r.expiring,
            expires_on: r.expires_at ? new Date(r.expires_at).toISOString().slice(0, 10) : null,
          },
          loyalty: {
            member_no: r.member_no,
            tier: tierOf(settings, r.tier)?.name ?? null,
            member_url: memberUrl(p.publicUrl, p.keyring, Number(r.customer_id)),
          },
        },
      ]),
    );
  },
};
