import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Popconfirm, Space, Table, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { SegmentBody } from '../../../../contracts/segments.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

export const STATUS_COLORS: Record<SegmentBody['status'], string> = {
  pending: 'default',
  computing: 'processing',
  ready: 'success',
  failed: 'error',
};

export function SegmentsPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const canWrite = useSession().can('segments.write');
  const list = useQuery({
    queryKey: ['segments'],
    queryFn: () => api<{ items: SegmentBody[] }>('/segments'),
    // Keep polling while something is being computed.
    refetchInterval: (q) => (q.state.data?.items.some((s) => s.status === 'pending' || s.status === 'computing') ? 2000 : false),
  });
  const act = useMutation({
    mutationFn: ({ id, action }: { id: number; action: 'refresh' | 'delete' }) =>
      action === 'delete' ? api(`/segments/${id}`, { method: 'DELETE' }) : api(`/segments/${id}/refresh`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['segments'] }),
    onError: (err) => message.error(errorMessage(t, err)),
  });
  return (
    <Card
      title={t('segments.title')}
      extra={
        canWrite && (
          <Button type="primary" onClick={() => navigate('/segments/new')} data-testid="new-segment">
            {t('segments.new')}
          </Button>
        )
      }
    >
      <Table<SegmentBody>
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={false}
        onRow={(s) => ({ onClick: () => navigate(`/segments/${s.id}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('segments.name'), dataIndex: 'name' },
          { title: t('segments.kind'), dataIndex: 'kind', render: (k: string) => t(`segments.kinds.${k}`) },
          { title: t('segments.size'), dataIndex: 'size', align: 'right', render: (n: number) => formatNumber(n, i18n.language) },
          {
            title: t('segments.status'),
            dataIndex: 'status',
            render: (s: SegmentBody['status'], row) => (
              <Tooltip title={row.error}>
                <Tag color={STATUS_COLORS[s]}>{t(`segments.statuses.${s}`)}</Tag>
              </Tooltip>
            ),
          },
          { title: t('segments.computedAt'), dataIndex: 'computedAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
          {
            title: t('common.actions'),
            render: (_, s) => (
              <Space onClick={(e) => e.stopPropagation()}>
                <Button size="small" onClick={() => navigate(`/customers?segment=${s.id}`)}>
                  {t('segments.members')}
                </Button>
                {canWrite && s.kind === 'dynamic' && (
                  <Button size="small" onClick={() => act.mutate({ id: s.id, action: 'refresh' })}>
                    {t('segments.refresh')}
                  </Button>
                )}
                {canWrite && (
                  <Popconfirm title={t('segments.confirmDelete')} onConfirm={() => act.mutate({ id: s.id, action: 'delete' })}>
                    <Button size="small" danger>
                      {t('common.delete')}
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
