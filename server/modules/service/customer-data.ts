import { sql } from 'kysely';
import type { TICKET_STATUSES, TICKET_TYPES } from '../../../contracts/service.ts';
import { decryptField } from '../../platform/crypto.ts';
import {
  type CustomerData,
  type CustomerPanel,
  type Labels,
  type SegmentField,
  isoTime,
  labels,
  panelRows,
} from '../../platform/registry.ts';

const STATUS: Record<(typeof TICKET_STATUSES)[number], Labels> = {
  new: labels('新建', 'New'),
  open: labels('处理中', 'Open'),
  pending: labels('待客户回复', 'Pending'),
  on_hold: labels('挂起', 'On hold'),
  solved: labels('已解决', 'Solved'),
  closed: labels('已关闭', 'Closed'),
};
const TYPE: Record<(typeof TICKET_TYPES)[number], Labels> = {
  pre_sale: labels('售前', 'Pre-sale'),
  order: labels('订单咨询', 'Order question'),
  after_sale: labels('售后', 'After-sale'),
  complaint: labels('投诉', 'Complaint'),
  other: labels('其他', 'Other'),
};

/**
 * A person's tickets follow them through a merge and are exported with their conversation. Erasure removes what they
 * said and wrote (messages, files, the ticket's subject and fields) and keeps the bare ticket — type, channel, times,
 * SLA outcome — for the desk's statistics, naming no one; CSAT ratings stay, their comments go.
 */
export const serviceData: readonly CustomerData[] = [
  {
    table: 'tickets',
    export: {
      name: 'tickets',
      file: 'tickets.csv',
      orderBy: 'id',
      rows: async (db, { customerId, keyring }) => {
        const rows = await sql<{
          id: number;
          subject: string;
          type: string;
          status: string;
          channel: string;
          created_at: Date;
          author: string | null;
          body_enc: string | null;
          said_at: Date | null;
        }>`
          select t.id, t.subject, t.type, t.status, t.channel, t.created_at, m.author, m.body_enc, m.created_at as said_at
          from tickets t left join ticket_messages m on m.ticket_id = t.id and m.author in ('customer', 'agent')
          where t.customer_id = ${customerId} order by t.id, m.id`.execute(db);
        return rows.rows.map(({ body_enc, ...r }) => ({ ...r, body: body_enc === null ? null : decryptField(keyring, body_enc) }));
      },
    },
    erase: async (trx, e) => {
      const ids = (await trx.selectFrom('tickets').select('id').where('customer_id', '=', e.customerId).execute()).map((r) => Number(r.id));
      if (ids.length === 0) return { tickets: 0 };
      await trx.deleteFrom('ticket_attachments').where('ticket_id', 'in', ids).execute();
      await trx.deleteFrom('ticket_messages').where('ticket_id', 'in', ids).execute();
      await trx
        .updateTable('tickets')
        .set({ customer_id: null, anonymous_id: null, subject: '—', fields: '{}', order_refs: [] })
        .where('id', 'in', ids)
        .execute();
      return { tickets: ids.length };
    },
  },
  {
    table: 'feedback_requests',
    export: { name: 'satisfaction', file: 'satisfaction.csv', orderBy: 'id' },
    erase: async (trx, e) => {
      const r = await trx
        .updateTable('feedback_requests')
        .set({ customer_id: null, comment: null })
        .where('customer_id', '=', e.customerId)
        .executeTakeFirst();
      return { satisfaction: Number(r.numUpdatedRows) };
    },
  },
];

export const serviceFields: readonly SegmentField[] = [
  {
    key: 'service.open_tickets',
    type: 'number',
    label: labels('未解决工单数', 'Open tickets'),
    expr: sql`(select count(*) from tickets t where t.customer_id = c.id and t.status in ('new', 'open', 'pending', 'on_hold') and t.merged_into is null)`,
  },
  {
    key: 'service.complaints',
    type: 'number',
    label: labels('投诉次数', 'Complaints'),
    expr: sql`(select count(*) from tickets t where t.customer_id = c.id and t.type = 'complaint' and t.merged_into is null)`,
  },
  {
    key: 'service.last_csat',
    type: 'number',
    label: labels('最近服务评分', 'Last CSAT rating'),
    expr: sql`(select f.rating from feedback_requests f where f.customer_id = c.id and f.rating is not null order by f.answered_at desc limit 1)`,
  },
];

type TicketRow = { id: number; subject: string; type: string; status: string; created_at: string; rating: number | null };

/** The person's tickets on the 360: subject, type, status, when, and the rating they gave. */
export const ticketsPanel: CustomerPanel = {
  key: 'tickets',
  title: labels('服务工单', 'Service tickets'),
  columns: [
    { key: 'id', label: labels('工单号', 'Ticket') },
    { key: 'subject', label: labels('主题', 'Subject') },
    { key: 'type', label: labels('类型', 'Type'), values: TYPE },
    { key: 'status', label: labels('状态', 'Status'), values: STATUS },
    { key: 'createdAt', label: labels('创建时间', 'Created'), type: 'datetime' },
    { key: 'rating', label: labels('满意度', 'CSAT') },
  ],
  select: () =>
    panelRows(
      sql`select t.id, t.subject, t.type, t.status, t.created_at, f.rating
        from tickets t left join feedback_requests f on f.subject_type = 'ticket' and f.subject_id = t.id
        where t.customer_id = c.id and t.merged_into is null order by t.created_at desc, t.id desc limit 20`,
      sql`r.created_at desc, r.id desc`,
    ),
  present: (rows: TicketRow[]) => ({
    rows: rows.map((r) => ({
      id: Number(r.id),
      subject: r.subject,
      type: r.type,
      status: r.status,
      createdAt: isoTime(r.created_at),
      rating: r.rating,
    })),
  }),
};
