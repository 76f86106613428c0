import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobBody } from '../../../../contracts/jobs.ts';
import { type jobCounts, jobStates } from '../../../../contracts/jobs.ts';
import type { z } from 'zod';
import { api } from '../../lib/api.ts';
import { queueLabel } from '../../lib/labels.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { DomainEventsCard } from './DomainEventsCard.tsx';

const PAGE = 50;
const STATE_COLOR: Record<JobBody['state'], string> = {
  created: 'blue',
  retry: 'orange',
  active: 'processing',
  completed: 'green',
  cancelled: 'default',
  failed: 'red',
};
const errorOf = (output: unknown) =>
  output && typeof output === 'object' && 'message' in output ? String((output as { message: unknown }).message) : null;

export function JobsPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [state, setState] = useState<JobBody['state'] | undefined>();
  const [page, setPage] = useState(1);
  const query = { limit: PAGE, offset: (page - 1) * PAGE, state };
  const jobs = useQuery({
    queryKey: ['jobs', query],
    queryFn: () => api<{ items: JobBody[]; total: number }>('/jobs', { query }),
    refetchInterval: 5000,
  });
  const counts = useQuery({
    queryKey: ['job-counts'],
    queryFn: () => api<z.infer<typeof jobCounts>>('/jobs/counts'),
    refetchInterval: 5000,
  });
  const retry = useMutation({
    mutationFn: (j: JobBody) => api(`/jobs/${encodeURIComponent(j.queue)}/${j.id}/retry`, { method: 'POST' }),
    onSuccess: () => {
      message.success(t('jobs.retried'));
      client.invalidateQueries({ queryKey: ['jobs'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  return (
    <>
      <Card title={t('jobs.title')}>
        <Space size="large" wrap style={{ marginBottom: 16 }}>
          {jobStates.map((s) => (
            <Statistic key={s} title={t(`jobs.states.${s}`)} value={counts.data?.counts[s] ?? 0} />
          ))}
        </Space>
        <div style={{ marginBottom: 16 }}>
          <Select
            allowClear
            placeholder={t('jobs.allStates')}
            style={{ width: 200 }}
            value={state}
            onChange={(v) => {
              setState(v);
              setPage(1);
            }}
            options={jobStates.map((s) => ({ value: s, label: t(`jobs.states.${s}`) }))}
          />
        </div>
        <Table<JobBody>
          rowKey="id"
          size="small"
          loading={jobs.isLoading}
          dataSource={jobs.data?.items}
          pagination={{ current: page, pageSize: PAGE, total: jobs.data?.total, onChange: setPage, showSizeChanger: false }}
          columns={[
            {
              title: t('jobs.queue'),
              dataIndex: 'queue',
              render: (q: string) => <Typography.Text title={q}>{queueLabel(t, q)}</Typography.Text>,
            },
            {
              title: t('jobs.state'),
              dataIndex: 'state',
              render: (s: JobBody['state']) => <Tag color={STATE_COLOR[s]}>{t(`jobs.states.${s}`)}</Tag>,
            },
            { title: t('jobs.attempts'), render: (_, j) => `${j.retryCount} / ${j.retryLimit + 1}` },
            { title: t('jobs.created'), dataIndex: 'createdOn', render: (v: string) => formatDateTime(v, i18n.language) },
            { title: t('jobs.completed'), dataIndex: 'completedOn', render: (v: string | null) => formatDateTime(v, i18n.language) },
            { title: t('jobs.error'), dataIndex: 'output', render: (o: unknown) => errorOf(o) ?? '—' },
            {
              title: t('common.actions'),
              render: (_, j) =>
                (j.state === 'failed' || j.state === 'cancelled') && can('jobs.manage') ? (
                  <Button size="small" onClick={() => retry.mutate(j)}>
                    {t('jobs.retry')}
                  </Button>
                ) : null,
            },
          ]}
        />
      </Card>
      <DomainEventsCard />
    </>
  );
}
