import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Input, Popconfirm, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { quarantineList } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type List = z.infer<typeof quarantineList>;
type Item = List['items'][number];

/** Phones and e-mails that failed cleansing: fix one (the corrected value joins the customer) or dismiss it. */
export function QuarantineCard() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const [page, setPage] = useState(1);
  const [fixes, setFixes] = useState<Record<number, string>>({});
  const list = useQuery({
    queryKey: ['quarantine', status, page],
    queryFn: () => api<List>('/customers/quarantine', { query: { status, limit: 20, offset: (page - 1) * 20 } }),
  });
  const resolve = useMutation({
    mutationFn: ({ id, value }: { id: number; value?: string }) =>
      api(`/customers/quarantine/${id}/resolve`, {
        method: 'POST',
        body: value === undefined ? { action: 'dismiss' } : { action: 'fix', value },
      }),
    onSuccess: () => {
      message.success(t('quarantine.resolved'));
      client.invalidateQueries({ queryKey: ['quarantine'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const editable = can('customers.write') && status === 'open';
  return (
    <Card
      title={t('quarantine.title')}
      style={{ marginTop: 16 }}
      extra={
        <Segmented
          value={status}
          onChange={(v) => {
            setStatus(v as 'open' | 'resolved');
            setPage(1);
          }}
          options={[
            { value: 'open', label: t('quarantine.open') },
            { value: 'resolved', label: t('quarantine.resolvedTab') },
          ]}
        />
      }
    >
      <Typography.Paragraph type="secondary">{t('quarantine.help')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        {list.data?.open.map((o) => (
          <Tag key={`${o.field}-${o.reason}`}>
            {t(`quarantine.reasons.${o.reason}`)}: {o.count}
          </Tag>
        ))}
      </Space>
      <Table<Item>
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          {
            title: t('quarantine.customer'),
            render: (_, r) =>
              r.customerId ? <Link to={`/customers/${r.customerId}`}>{r.customerName ?? `#${r.customerId}`}</Link> : t('common.none'),
          },
          { title: t('quarantine.field'), render: (_, r) => t(`quality.fields.${r.field}`) },
          { title: t('quarantine.value'), dataIndex: 'value' },
          { title: t('quarantine.reason'), render: (_, r) => t(`quarantine.reasons.${r.reason}`) },
          { title: t('quarantine.source'), dataIndex: 'source' },
          { title: t('quarantine.occurrences'), dataIndex: 'occurrences' },
          { title: t('quarantine.lastSeen'), render: (_, r) => formatDateTime(r.lastSeenAt, i18n.language) },
          status === 'open'
            ? {
                title: t('quarantine.action'),
                render: (_, r) =>
                  editable ? (
                    <Space.Compact>
                      <Input
                        size="small"
                        placeholder={t('quarantine.corrected')}
                        value={fixes[r.id] ?? ''}
                        onChange={(e) => setFixes({ ...fixes, [r.id]: e.target.value })}
                        style={{ width: 170 }}
                        disabled={!r.customerId}
                      />
                      <Button
                        size="small"
                        type="primary"
                        disabled={!fixes[r.id]?.trim()}
                        onClick={() => resolve.mutate({ id: r.id, value: fixes[r.id] })}
                      >
                        {t('quarantine.fix')}
                      </Button>
                      <Popconfirm title={t('quarantine.dismissConfirm')} onConfirm={() => resolve.mutate({ id: r.id })}>
                        <Button size="small">{t('quarantine.dismiss')}</Button>
                      </Popconfirm>
                    </Space.Compact>
                  ) : null,
              }
            : {
                title: t('quarantine.resolution'),
                render: (_, r) => `${t(`quarantine.${r.resolution ?? 'open'}`)} · ${r.resolvedBy ?? ''}`,
              },
        ]}
      />
    </Card>
  );
}
