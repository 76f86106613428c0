import { sql } from 'kysely';
import { type CustomerData, type CustomerPanel, isoTime, labels, panelRows } from '../../platform/registry.ts';
import { NET_PAID } from './report.ts';

/**
 * Who was in a campaign, with which code and which orders it was credited with, stays with the profile it was
 * measured on (history: a merge does not rewrite a finished campaign's figures) and survives erasure on the
 * tombstone, which names no one (the messages themselves, with the address and content, are erased by messaging).
 */
export const campaignsData: readonly CustomerData[] = [
  {
    table: 'campaign_recipients',
    merge: 'keep',
    export: { name: 'campaigns', file: 'campaigns.csv', orderBy: 'campaign_id' },
    erase: 'keep',
    undo: 'follows',
  },
  {
    table: 'campaign_coupon_codes',
    merge: 'keep',
    export: { name: 'campaignCouponCodes', file: 'campaign_coupon_codes.csv', orderBy: 'code' },
    erase: 'keep',
    undo: 'follows',
  },
  {
    table: 'campaign_attributions',
    merge: 'keep',
    export: { name: 'campaignOrders', file: 'campaign_orders.csv', orderBy: 'order_id' },
    erase: 'keep',
    undo: 'follows',
  },
];

const ARM = {
  control: labels('对照组（未发送）', 'Holdout (not sent)'),
  test: labels('A/B 测试', 'A/B test'),
  rest: labels('正式发送', 'Main send'),
} as const;

type RecipientRow = {
  name: string;
  arm: keyof typeof ARM;
  variant: string | null;
  channel: string;
  started_at: string | null;
  status: string | null;
  orders: number;
  revenue: number;
};

/** The person's campaigns on the 360: which, in which arm and variant, what became of the message, what it earned. */
export const campaignsPanel: CustomerPanel = {
  key: 'campaigns',
  title: labels('营销活动', 'Campaigns'),
  columns: [
    { key: 'campaign', label: labels('活动', 'Campaign') },
    { key: 'startedAt', label: labels('开始发送', 'Started'), type: 'datetime' },
    { key: 'arm', label: labels('分组', 'Group'), values: ARM },
    { key: 'variant', label: labels('版本', 'Variant') },
    { key: 'channel', label: labels('渠道', 'Channel') },
    { key: 'status', label: labels('消息状态', 'Message') },
    { key: 'orders', label: labels('归因订单', 'Credited orders') },
    { key: 'revenue', label: labels('归因收入', 'Credited revenue'), type: 'money' },
  ],
  select: () =>
    panelRows(
      sql`select k.id, k.name, r.arm, r.variant, r.channel, k.started_at, m.status, credited.orders, credited.revenue
        from campaign_recipients r join campaigns k on k.id = r.campaign_id
        left join messages m on m.key = 'campaign:' || k.id || ':' || r.customer_id
        cross join lateral (
          select count(*)::int as orders, coalesce(sum(${NET_PAID}), 0)::bigint as revenue
          from campaign_attributions a join orders o on o.id = a.order_id where a.campaign_id = k.id and a.customer_id = r.customer_id
        ) credited
        where r.customer_id = c.id order by k.id desc limit 20`,
      sql`r.id desc`,
    ),
  present: (rows: RecipientRow[]) => ({
    rows: rows.map((r) => ({
      campaign: r.name,
      startedAt: r.started_at === null ? null : isoTime(r.started_at),
      arm: r.arm,
      variant: r.variant,
      channel: r.channel,
      status: r.status,
      orders: r.orders,
      revenue: Number(r.revenue),
    })),
  }),
};
