import { EyeOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Descriptions, Empty, Row, Skeleton, Space, Statistic, Table, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import type { z } from 'zod';
import type { CustomerDetail, eventBody, orderBody } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney, formatNumber } from '../../lib/format.ts';
import { eventLabel } from '../../lib/labels.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';
import { InsightsPanel } from '../analytics/InsightsPanel.tsx';
import { AddressesCard, AttributesCard, ConsentsCard, DuplicatesCard, PrivacyActions } from './CustomerPanels.tsx';
import { ModulePanels } from './ModulePanels.tsx';
import { TagsAndNotes } from './TagsAndNotes.tsx';

type TimelineEvent = z.infer<typeof eventBody>;
type Order = z.infer<typeof orderBody>;

/**
 * A card's pages of a customer's rows (events, orders), read beside the 360 as the card is drawn: a screenful first,
 * then `next` more at a time on demand. Keyed under the person, so what refreshes the person refreshes them too.
 */
function useCustomerPages<T>(id: number, rows: 'events' | 'orders', first: number, next: number) {
  const query = useInfiniteQuery({
    queryKey: ['customer', String(id), rows],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api<{ items: T[]; nextBefore: string | null }>(`/customers/${id}/${rows}`, {
        query: { before: pageParam ?? undefined, limit: pageParam ? next : first },
      }),
    getNextPageParam: (last) => last.nextBefore,
  });
  return {
    query,
    items: query.data?.pages.flatMap((p) => p.items) ?? [],
    more: query.hasNextPage,
    load: () => query.fetchNextPage(),
    loading: query.isFetchingNextPage,
  };
}

function MoreButton({ pages }: { pages: { more: boolean; load(): unknown; loading: boolean } }) {
  const { t } = useTranslation();
  if (!pages.more) return null;
  return (
    <Button onClick={() => pages.load()} loading={pages.loading} style={{ marginTop: 8 }}>
      {t('customers.loadMore')}
    </Button>
  );
}

/** A card's error, in place of its rows. */
function PagesError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return <Alert type="error" message={t('app.error', { message: errorMessage(t, error) })} />;
}

function EventTimeline({ id }: { id: number }) {
  const { t, i18n } = useTranslation();
  const pages = useCustomerPages<TimelineEvent>(id, 'events', 20, 50);
  const items = pages.items;
  if (pages.query.isLoading) return <Skeleton active />;
  if (pages.query.error) return <PagesError error={pages.query.error} />;
  if (items.length === 0) return <Empty description={t('customers.noEvents')} />;
  return (
    <>
      <Timeline
        items={items.map((e) => ({
          children: (
            <Space direction="vertical" size={0}>
              <Typography.Text strong title={e.name}>
                {eventLabel(t, e.name)}
              </Typography.Text>
              <Typography.Text type="secondary">{formatDateTime(e.occurredAt, i18n.language)}</Typography.Text>
            </Space>
          ),
        }))}
      />
      <MoreButton pages={pages} />
    </>
  );
}

function OrdersCard({ id }: { id: number }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const pages = useCustomerPages<Order>(id, 'orders', 10, 20);
  return (
    <Card title={t('customers.ordersTitle')} data-testid="customer-orders">
      {pages.query.error && <PagesError error={pages.query.error} />}
      <Table<Order>
        rowKey="id"
        size="small"
        loading={pages.query.isLoading}
        dataSource={pages.items}
        pagination={false}
        expandable={{
          expandedRowRender: (o) => (
            <>
              {o.items.map((i) => (
                <div key={i.sku}>{`${i.name} × ${i.quantity} — ${formatMoney(i.amount, o.currency, lng)}`}</div>
              ))}
              {o.shipments.map((p) => (
                <div key={p.trackingNumber}>{`${p.carrier ?? ''} ${p.trackingNumber} · ${t(`shipmentStatus.${p.status}`)}`}</div>
              ))}
            </>
          ),
        }}
        columns={[
          { title: t('customers.orderNo'), dataIndex: 'externalId' },
          { title: t('customers.channel'), dataIndex: 'channelName' },
          {
            title: t('orders.logistics'),
            render: (_, o) => (o.shipments.length > 0 ? t(`shipmentStatus.${o.shipments[o.shipments.length - 1].status}`) : '—'),
          },
          { title: t('customers.status'), dataIndex: 'status', render: (s: string) => <Tag>{t(`orderStatus.${s}`)}</Tag> },
          { title: t('customers.amount'), render: (_, o) => formatMoney(o.totalAmount - o.refundedAmount, o.currency, lng) },
          { title: t('customers.placedAt'), dataIndex: 'placedAt', render: (v: string) => formatDateTime(v, lng) },
        ]}
      />
      <MoreButton pages={pages} />
    </Card>
  );
}

export function CustomerDetailPage() {
  const { t, i18n } = useTranslation();
  const { id } = useParams();
  const { can } = useSession();
  const currency = useCurrency();
  const [reveal, setReveal] = useState(false);
  const detail = useQuery({
    queryKey: ['customer', id, reveal],
    queryFn: () => api<CustomerDetail>(`/customers/${id}`, { query: { reveal: reveal ? 'true' : undefined } }),
  });
  if (detail.isLoading) return <Skeleton active />;
  if (detail.error || !detail.data) return <Alert type="error" message={t('app.error', { message: errorMessage(t, detail.error) })} />;
  const { customer: c, identities, stats } = detail.data;
  const lng = i18n.language;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }} data-testid="customer-detail">
      <Card
        title={c.name ?? t('customers.unnamed')}
        extra={
          <Space>
            {can('privacy.manage') && <PrivacyActions id={c.id} />}
            {can('pii.read') && !reveal ? (
              <Button icon={<EyeOutlined />} onClick={() => setReveal(true)} data-testid="reveal-pii">
                {t('customers.reveal')}
              </Button>
            ) : reveal ? (
              <Tag color="orange">{t('customers.revealedAudited')}</Tag>
            ) : null}
          </Space>
        }
      >
        <Row gutter={16} style={{ marginBottom: 16 }}>
          <Col xs={12} md={6}>
            <Statistic title={t('customers.orders')} value={formatNumber(stats.orders, lng)} />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t('customers.netSpent')} value={formatMoney(stats.netSpent, currency, lng)} />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t('customers.firstOrder')} value={formatDateTime(stats.firstOrderAt, lng)} valueStyle={{ fontSize: 16 }} />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t('customers.lastOrder')} value={formatDateTime(stats.lastOrderAt, lng)} valueStyle={{ fontSize: 16 }} />
          </Col>
        </Row>
        <Descriptions bordered size="small" column={{ xs: 1, md: 2, xl: 3 }}>
          <Descriptions.Item label={t('customers.phone')}>{c.phone ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('customers.email')}>{c.email ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('customers.gender')}>{t(`customers.genders.${c.gender}`)}</Descriptions.Item>
          <Descriptions.Item label={t('customers.birthday')}>{c.birthday ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('customers.region')}>
            {[c.province, c.city, c.district].filter(Boolean).join(' ') || '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('customers.address')}>{c.address ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('customers.firstChannel')}>{c.firstChannelName ?? c.firstChannel ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('customers.createdAt')}>{formatDateTime(c.createdAt, lng)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <OrdersCard id={c.id} />
          <Card title={t('customers.identitiesTitle')} style={{ marginTop: 16 }}>
            <Table
              rowKey={(i) => `${i.kind}-${i.channel}-${i.value}`}
              size="small"
              pagination={false}
              dataSource={identities}
              columns={[
                { title: t('customers.identityKind'), dataIndex: 'kind', render: (k: string) => t(`customers.identityKinds.${k}`) },
                { title: t('customers.channel'), dataIndex: 'channel' },
                { title: t('customers.identityValue'), dataIndex: 'value' },
                { title: t('customers.source'), dataIndex: 'source' },
                { title: t('customers.lastSeen'), dataIndex: 'lastSeenAt', render: (v: string) => formatDateTime(v, lng) },
              ]}
            />
          </Card>
          <AddressesCard addresses={detail.data.addresses} />
        </Col>
        <Col xs={24} xl={10}>
          {/* Predictions and value first: what a seller decides on. */}
          <InsightsPanel customerId={c.id} currency={currency} />
          <Card title={t('customers.timelineTitle')} style={{ marginTop: 16 }} data-testid="customer-timeline">
            <EventTimeline id={c.id} />
          </Card>
          <TagsAndNotes id={c.id} tags={detail.data.tags} notes={detail.data.notes} />
          <AttributesCard id={c.id} values={detail.data.attributes} />
          <ConsentsCard id={c.id} />
          <DuplicatesCard detail={detail.data} />
          <ModulePanels customerId={c.id} />
        </Col>
      </Row>
    </Space>
  );
}
