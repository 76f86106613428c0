import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { DOMAIN_EVENT_TYPES, type DomainEventType, type deliveryStatuses, type domainEventPage } from '../../../../contracts/events.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type Page = z.infer<typeof domainEventPage>;
type DomainEvent = Page['items'][number];
type Status = (typeof deliveryStatuses)[number];

const PAGE = 50;
const STATUS_COLOR: Record<Status, string> = { pending: 'blue', delivered: 'green', failed: 'red' };
const STATUSES: Status[] = ['pending', 'delivered', 'failed'];

/** Domain events newest first, with each subscriber's delivery; a failed delivery can be sent again. */
export function DomainEventsCard() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [type, setType] = useState<DomainEventType | undefined>();
  const [status, setStatus] = useState<Status | undefined>();
  const [page, setPage] = useState(1);
  const query = { limit: PAGE, offset: (page - 1) * PAGE, type, status };
  const events = useQuery({
    queryKey: ['domain-events', query],
    queryFn: () => api<Page>('/domain-events', { query }),
    refetchInterval: 5000,
  });
  const redeliver = useMutation({
    mutationFn: (d: { id: number; subscriber: string }) =>
      api(`/domain-events/${d.id}/deliveries/${encodeURIComponent(d.subscriber)}/redeliver`, { method: 'POST' }),
    onSuccess: () => {
      message.success(t('domainEvents.redelivered'));
      client.invalidateQueries({ queryKey: ['domain-events'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  return (
    <Card title={t('domainEvents.title')} style={{ marginTop: 16 }} data-testid="domain-events">
      <Typography.Paragraph type="secondary">{t('domainEvents.intro')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          allowClear
          placeholder={t('domainEvents.allTypes')}
          style={{ width: 220 }}
          value={type}
          onChange={(v) => {
            setType(v);
            setPage(1);
          }}
          options={DOMAIN_EVENT_TYPES.map((v) => ({ value: v, label: t(`domainEvents.types.${v.replace('.', '_')}`) }))}
        />
        <Select
          allowClear
          placeholder={t('domainEvents.allStatuses')}
          style={{ width: 200 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={STATUSES.map((s) => ({ value: s, label: t(`domainEvents.statuses.${s}`) }))}
        />
      </Space>
      <Table<DomainEvent>
        rowKey="id"
        size="small"
        loading={events.isLoading}
        dataSource={events.data?.items}
        pagination={{ current: page, pageSize: PAGE, total: events.data?.total, onChange: setPage, showSizeChanger: false }}
        expandable={{ expandedRowRender: (e) => <Typography.Text code>{JSON.stringify(e.payload)}</Typography.Text> }}
        columns={[
          {
            title: t('domainEvents.type'),
            dataIndex: 'type',
            render: (v: string) => (
              <Typography.Text title={v}>{t(`domainEvents.types.${v.replace('.', '_')}`, { defaultValue: v })}</Typography.Text>
            ),
          },
          {
            title: t('domainEvents.customer'),
            dataIndex: 'customerId',
            render: (v: number | null) => (v === null ? '—' : <a href={`/customers/${v}`}>{v}</a>),
          },
          { title: t('domainEvents.occurred'), dataIndex: 'occurredAt', render: (v: string) => formatDateTime(v, i18n.language) },
          {
            title: t('domainEvents.deliveries'),
            render: (_, e) =>
              e.deliveries.length === 0 ? (
                <Typography.Text type="secondary">{t('domainEvents.noSubscriber')}</Typography.Text>
              ) : (
                <Space direction="vertical" size={2}>
                  {e.deliveries.map((d) => (
                    <Space key={d.subscriber} size={4}>
                      <Tag color={STATUS_COLOR[d.status]} title={d.error ?? undefined}>
                        {d.subscriber} · {t(`domainEvents.statuses.${d.status}`)} · {t('domainEvents.attempts', { count: d.attempts })}
                      </Tag>
                      {d.status === 'failed' && can('jobs.manage') && (
                        <Button size="small" onClick={() => redeliver.mutate({ id: e.id, subscriber: d.subscriber })}>
                          {t('domainEvents.redeliver')}
                        </Button>
                      )}
                    </Space>
                  ))}
                </Space>
              ),
          },
        ]}
      />
    </Card>
  );
}
