import { sql } from 'kysely';
import { RETURN_STATES } from '../../../contracts/returns.ts';
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
import { STATE_NAMES } from './templates.ts';

const STATE = Object.fromEntries(RETURN_STATES.map((s) => [s, labels(STATE_NAMES['zh-CN'][s], STATE_NAMES.en[s])])) as Record<
  (typeof RETURN_STATES)[number],
  Labels
>;
const RESOLUTION: Record<string, Labels> = {
  refund: labels('退款', 'Refund'),
  exchange: labels('换货', 'Exchange'),
  store_credit: labels('积分/优惠券补偿', 'Store credit'),
};

/**
 * A person's returns follow them through a merge and are exported with their note. Erasure removes what they wrote and
 * sent (the note, photos, the parcel's tracking) and keeps the bare request — order, lines, reason, outcome — for the
 * return-rate statistics; the order itself is kept by commerce the same way.
 */
export const returnsData: readonly CustomerData[] = [
  {
    table: 'return_requests',
    export: {
      name: 'returns',
      file: 'returns.csv',
      orderBy: 'id',
      rows: async (db, { customerId, keyring }) => {
        const rows = await db
          .selectFrom('return_requests')
          .select([
            'id',
            'order_id',
            'state',
            'reason',
            'note_enc',
            'carrier',
            'tracking_number',
            'resolution',
            'refund_amount',
            'created_at',
          ])
          .where('customer_id', '=', customerId)
          .orderBy('id')
          .execute();
        return rows.map(({ note_enc, ...r }) => ({ ...r, note: note_enc ? decryptField(keyring, note_enc) : '' }));
      },
    },
    erase: async (trx, e) => {
      const ids = (await trx.selectFrom('return_requests').select('id').where('customer_id', '=', e.customerId).execute()).map((r) =>
        Number(r.id),
      );
      if (ids.length === 0) return { returns: 0 };
      await trx.deleteFrom('return_photos').where('return_id', 'in', ids).execute();
      await trx
        .updateTable('return_requests')
        .set({ note_enc: null, carrier: null, tracking_number: null })
        .where('id', 'in', ids)
        .execute();
      return { returns: ids.length };
    },
  },
];

export const returnsFields: readonly SegmentField[] = [
  {
    key: 'returns.count',
    type: 'number',
    label: labels('退换货次数', 'Returns'),
    expr: sql`(select count(*) from return_requests r where r.customer_id = c.id and r.state not in ('rejected', 'cancelled'))`,
  },
  {
    key: 'returns.open',
    type: 'number',
    label: labels('处理中的退换货', 'Open returns'),
    expr: sql`(select count(*) from return_requests r where r.customer_id = c.id and r.state in ('requested', 'approved', 'in_transit', 'received', 'inspected'))`,
  },
];

type ReturnRow = {
  id: number;
  external_id: string;
  state: string;
  reason: string | null;
  resolution: string | null;
  refund_amount: number | null;
  created_at: string;
};

/** The person's returns on the 360 (and the ticket sidebar): order, state, reason, how it ended. */
export const returnsPanel: CustomerPanel = {
  key: 'returns',
  title: labels('退换货', 'Returns'),
  columns: [
    { key: 'id', label: labels('退换货单', 'Return') },
    { key: 'order', label: labels('订单', 'Order') },
    { key: 'state', label: labels('状态', 'State'), values: STATE },
    { key: 'reason', label: labels('原因', 'Reason') },
    { key: 'resolution', label: labels('处理方式', 'Resolution'), values: RESOLUTION },
    { key: 'refund', label: labels('退款', 'Refund'), type: 'money' },
    { key: 'createdAt', label: labels('申请时间', 'Requested'), type: 'datetime' },
  ],
  select: () =>
    panelRows(
      sql`select r.id, o.external_id, r.state, r.reason, r.resolution, r.refund_amount, r.created_at
        from return_requests r join orders o on o.id = r.order_id where r.customer_id = c.id order by r.id desc limit 20`,
      sql`r.id desc`,
    ),
  present: (rows: ReturnRow[]) => ({
    rows: rows.map((r) => ({
      id: Number(r.id),
      order: r.external_id,
      state: r.state,
      reason: r.reason,
      resolution: r.resolution,
      refund: r.refund_amount === null ? null : Number(r.refund_amount),
      createdAt: isoTime(r.created_at),
    })),
  }),
};
