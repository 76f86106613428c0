import { useQuery } from '@tanstack/react-query';
import { Descriptions, Drawer, Empty, Skeleton, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { OrderDetail } from '../../../../contracts/orders.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';

/** One order: buyer, amounts and lifecycle, lines, refunds and parcels with tracking numbers. */
export function OrderDrawer({ id, onClose }: { id: number | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const detail = useQuery({ queryKey: ['order', id], queryFn: () => api<OrderDetail>(`/orders/${id}`), enabled: id !== null });
  const o = detail.data;
  const money = (v: number) => (o ? formatMoney(v, o.currency, i18n.language) : '');
  const when = (v: string | null) => formatDateTime(v, i18n.language);
  return (
    <Drawer
      open={id !== null}
      onClose={onClose}
      width={720}
      title={o ? t('orders.detailTitle', { number: o.externalId }) : t('orders.title')}
    >
      {!o ? (
        <Skeleton active />
      ) : (
        <>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('orders.channel')}>{o.channel.name}</Descriptions.Item>
            <Descriptions.Item label={t('orders.status')}>
              <Tag>{t(`orderStatus.${o.status}`)}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('orders.buyer')}>
              <Link to={`/customers/${o.customer.id}`}>{o.customer.name ?? `#${o.customer.id}`}</Link>
            </Descriptions.Item>
            <Descriptions.Item label={t('orders.total')}>{money(o.totalAmount)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.discount')}>{money(o.discountAmount)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.shippingFee')}>{money(o.shippingAmount)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.refunded')}>{money(o.refundedAmount)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.coupons')}>{o.couponCodes.join(', ') || '—'}</Descriptions.Item>
            <Descriptions.Item label={t('orders.placedAt')}>{when(o.placedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.paidAt')}>{when(o.paidAt)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.shippedAt')}>{when(o.shippedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.deliveredAt')}>{when(o.deliveredAt)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.completedAt')}>{when(o.completedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.cancelledAt')}>{when(o.cancelledAt)}</Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('orders.lines')}
          </Typography.Title>
          <Table
            size="small"
            pagination={false}
            rowKey={(_, i) => String(i)}
            dataSource={o.lines}
            locale={{ emptyText: t('orders.noLines') }}
            columns={[
              { title: t('orders.sku'), dataIndex: 'sku' },
              { title: t('orders.product'), dataIndex: 'name' },
              { title: t('orders.quantity'), dataIndex: 'quantity', align: 'right' },
              { title: t('orders.unitPrice'), dataIndex: 'unitPrice', align: 'right', render: money },
              { title: t('orders.amount'), dataIndex: 'amount', align: 'right', render: money },
            ]}
          />
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('orders.shipments')}
          </Typography.Title>
          {o.shipments.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('orders.noShipments')} />
          ) : (
            <Table
              size="small"
              pagination={false}
              rowKey="id"
              dataSource={o.shipments}
              data-testid="order-shipments"
              columns={[
                { title: t('orders.carrier'), dataIndex: 'carrier', render: (v: string | null) => v ?? '—' },
                {
                  title: t('orders.trackingNumber'),
                  dataIndex: 'trackingNumber',
                  render: (v: string) => <Typography.Text copyable>{v}</Typography.Text>,
                },
                { title: t('orders.logistics'), dataIndex: 'status', render: (v: string) => <Tag>{t(`shipmentStatus.${v}`)}</Tag> },
                { title: t('orders.shippedAt'), dataIndex: 'shippedAt', render: when },
                { title: t('orders.deliveredAt'), dataIndex: 'deliveredAt', render: when },
              ]}
            />
          )}
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('orders.refunds')}
          </Typography.Title>
          {o.refunds.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('orders.noRefunds')} />
          ) : (
            <Table
              size="small"
              pagination={false}
              rowKey="id"
              dataSource={o.refunds}
              columns={[
                { title: t('orders.refundId'), dataIndex: 'externalId' },
                { title: t('orders.amount'), dataIndex: 'amount', align: 'right', render: money },
                { title: t('orders.reason'), dataIndex: 'reason', render: (v: string | null) => v ?? '—' },
                { title: t('orders.refundedAt'), dataIndex: 'refundedAt', render: when },
              ]}
            />
          )}
        </>
      )}
    </Drawer>
  );
}
