import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, InputNumber, Space, Switch, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { privacyRequestList, retention } from '../../../../contracts/privacy.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';

type Request = z.infer<typeof privacyRequestList>['items'][number];
type Retention = z.infer<typeof retention>;

/** Data-subject requests with their due dates (a month by law), and the retention rule. */
export function PrivacyPage() {
  const { t, i18n } = useTranslation();
  const requests = useQuery({
    queryKey: ['privacy-requests'],
    queryFn: () => api<z.infer<typeof privacyRequestList>>('/privacy/requests', { query: { limit: 100 } }),
  });
  const overdue = (r: Request) => r.status === 'received' && Date.parse(r.dueAt) < Date.now();
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('privacy.requestsTitle')}>
        <Typography.Paragraph type="secondary">{t('privacy.requestsHelp')}</Typography.Paragraph>
        <Table<Request>
          rowKey="id"
          size="small"
          loading={requests.isLoading}
          dataSource={requests.data?.items}
          pagination={false}
          columns={[
            { title: t('privacy.kind'), dataIndex: 'kind', render: (k: string) => t(`privacy.kinds.${k}`) },
            {
              title: t('privacy.customer'),
              dataIndex: 'customerId',
              render: (id: number | null) => (id ? <Link to={`/customers/${id}`}>#{id}</Link> : '—'),
            },
            {
              title: t('privacy.status'),
              render: (_, r) => (
                <Tag color={overdue(r) ? 'red' : r.status === 'completed' ? 'green' : undefined}>
                  {overdue(r) ? t('privacy.overdue') : t(`privacy.statuses.${r.status}`)}
                </Tag>
              ),
            },
            { title: t('privacy.source'), dataIndex: 'source' },
            { title: t('privacy.actor'), dataIndex: 'actor' },
            { title: t('privacy.requestedAt'), dataIndex: 'requestedAt', render: (v: string) => formatDateTime(v, i18n.language) },
            { title: t('privacy.dueAt'), dataIndex: 'dueAt', render: (v: string) => formatDateTime(v, i18n.language) },
            { title: t('privacy.completedAt'), dataIndex: 'completedAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
          ]}
        />
      </Card>
      <RetentionCard />
    </Space>
  );
}

function RetentionCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const current = useQuery({ queryKey: ['privacy-retention'], queryFn: () => api<Retention>('/privacy/retention') });
  const [months, setMonths] = useState<number | null>(null);
  useEffect(() => setMonths(current.data?.inactiveMonths ?? null), [current.data]);
  const save = useMutation({
    mutationFn: (body: Retention) => api<Retention>('/privacy/retention', { method: 'PUT', body }),
    onSuccess: () => {
      message.success(t('privacy.retentionSaved'));
      client.invalidateQueries({ queryKey: ['privacy-retention'] });
    },
    onError: (e: unknown) => message.error(errorMessage(t, e)),
  });
  return (
    <Card title={t('privacy.retentionTitle')}>
      <Typography.Paragraph type="secondary">{t('privacy.retentionHelp')}</Typography.Paragraph>
      <Space wrap>
        <Switch checked={months !== null} onChange={(on) => setMonths(on ? 36 : null)} />
        {months !== null && (
          <InputNumber min={6} max={240} value={months} onChange={(v) => setMonths(v ?? 36)} addonAfter={t('privacy.months')} />
        )}
        <Button type="primary" loading={save.isPending} onClick={() => save.mutate({ inactiveMonths: months })}>
          {t('common.save')}
        </Button>
      </Space>
    </Card>
  );
}
