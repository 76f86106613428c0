import { sql } from 'kysely';
import { type CustomerData, type CustomerPanel, type SegmentField, isoTime, labels, panelRows } from '../../platform/registry.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import type { Db } from '../../db/index.ts';

/** What the person was sent, as they got it (decrypted), for their DSR export. */
async function exportedMessages(db: Db, { customerId, keyring }: { customerId: number; keyring: Keyring }) {
  const rows = await db.selectFrom('messages').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    channel: r.channel,
    purpose: r.purpose,
    template: r.template_key,
    status: r.status,
    skipReason: r.skip_reason,
    sentAt: r.sent_at?.toISOString() ?? null,
    content: r.rendered_enc ? JSON.parse(decryptField(keyring, r.rendered_enc)) : null,
  }));
}

/**
 * Messages follow a merge; erasure deletes them (their content names the person and their address); a message keeps
 * a person an undone import created (they were written to).
 */
export const messagingData: readonly CustomerData[] = [
  { table: 'messages', export: { name: 'messages', file: 'messages.csv', rows: exportedMessages }, erase: 'delete' },
];

export const messagingFields: readonly SegmentField[] = [
  {
    key: 'messaging.last_sent_at',
    type: 'date',
    label: labels('最近一次收到消息', 'Last message received'),
    expr: sql`(select max(x.sent_at) from messages x where x.customer_id = c.id)`,
  },
  {
    key: 'messaging.marketing_sent_30d',
    type: 'number',
    label: labels('近 30 天收到的营销消息数', 'Marketing messages in the last 30 days'),
    expr: sql`(select count(*) from messages x where x.customer_id = c.id and x.purpose = 'marketing' and x.sent_at > now() - interval '30 days')`,
  },
];

const STATUS = {
  queued: labels('排队中', 'Queued'),
  sending: labels('发送中', 'Sending'),
  sent: labels('已发送', 'Sent'),
  delivered: labels('已送达', 'Delivered'),
  bounced: labels('退信', 'Bounced'),
  failed: labels('失败', 'Failed'),
  unknown: labels('结果未知', 'Unknown'),
  skipped: labels('未发送', 'Not sent'),
} as const;

const REASONS = {
  no_consent: labels('未获营销同意', 'No marketing consent'),
  suppressed: labels('地址在退订/屏蔽名单', 'Address suppressed'),
  no_contact: labels('没有联系方式', 'No address on the channel'),
  cap: labels('超过发送频次上限', 'Over the frequency cap'),
  erased: labels('客户已删除或合并', 'Customer erased or merged'),
  template_missing: labels('模板不存在', 'Template missing'),
  quiet_hours: labels('免打扰时段，已改期', 'Quiet hours: moved'),
} as const;

const CHANNELS = { email: labels('邮件', 'E-mail'), sms: labels('短信', 'SMS') } as const;

type MessageRow = {
  id: number;
  created_at: string;
  sent_at: string | null;
  channel: string;
  template_key: string;
  status: string;
  skip_reason: string | null;
  not_before: string;
  rescheduled_from: string | null;
};

/** The person's last messages on the 360: when, how, which template, what became of it and why. */
export const messagesPanel: CustomerPanel = {
  key: 'messages',
  title: labels('消息', 'Messages'),
  columns: [
    { key: 'at', label: labels('时间', 'When'), type: 'datetime' },
    { key: 'channel', label: labels('渠道', 'Channel'), values: CHANNELS },
    { key: 'template', label: labels('模板', 'Template') },
    { key: 'status', label: labels('状态', 'State'), values: STATUS },
    { key: 'note', label: labels('说明', 'Note'), values: REASONS },
    { key: 'rescheduledTo', label: labels('改在', 'Moved to'), type: 'datetime' },
  ],
  select: () =>
    panelRows(
      sql`select id, created_at, sent_at, channel, template_key, status, skip_reason, not_before, rescheduled_from
        from messages where customer_id = c.id order by created_at desc, id desc limit 20`,
      sql`r.created_at desc, r.id desc`,
    ),
  present: (rows: MessageRow[]) => ({
    rows: rows.map((r) => ({
      at: isoTime(r.sent_at ?? r.created_at),
      channel: r.channel,
      template: r.template_key,
      status: r.status,
      note: r.skip_reason ?? (r.rescheduled_from ? 'quiet_hours' : null),
      rescheduledTo: r.rescheduled_from ? isoTime(r.not_before) : null,
    })),
  }),
};
