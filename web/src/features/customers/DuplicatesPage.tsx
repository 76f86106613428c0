import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Popconfirm, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { CustomerDetail, duplicatePairList } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { MergeModal } from './CustomerPanels.tsx';

type Pair = z.infer<typeof duplicatePairList>['items'][number];
type Status = Pair['status'];

/** Opens the field-by-field merge of a pair once the survivor's profile is loaded. */
function MergePair({ pair, onClose }: { pair: Pair; onClose: () => void }) {
  const survivor = useQuery({
    queryKey: ['customer', String(pair.a.id), false],
    queryFn: () => api<CustomerDetail>(`/customers/${pair.a.id}`),
  });
  return survivor.data ? <MergeModal survivor={survivor.data} mergedId={pair.b.id} onClose={onClose} /> : null;
}

/** The duplicate review queue: likely pairs across every customer, merged or dismissed one by one. */
export function DuplicatesPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [status, setStatus] = useState<Status>('open');
  const [page, setPage] = useState(1);
  const [merging, setMerging] = useState<Pair | null>(null);
  const pairs = useQuery({
    queryKey: ['duplicate-pairs', status, page],
    queryFn: () =>
      api<z.infer<typeof duplicatePairList>>('/customers/duplicate-pairs', { query: { status, limit: 20, offset: (page - 1) * 20 } }),
    // While a scan runs, the queue fills: look again until it says it finished.
    refetchInterval: (q) => (q.state.data?.lastScan && !q.state.data.lastScan.finishedAt ? 2000 : false),
  });
  const scanState = pairs.data?.lastScan;
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const refresh = () => client.invalidateQueries({ queryKey: ['duplicate-pairs'] });
  const dismiss = useMutation({
    mutationFn: (id: number) => api(`/customers/duplicate-pairs/${id}/dismiss`, { method: 'POST' }),
    onSuccess: refresh,
    onError,
  });
  const scan = useMutation({
    mutationFn: () => api('/customers/duplicate-pairs/scan', { method: 'POST' }),
    onSuccess: () => {
      message.success(t('duplicates.scanQueued'));
      setTimeout(refresh, 1500);
    },
    onError,
  });
  const editable = can('customers.write');
  const person = (p: Pair['a']) => (
    <Space direction="vertical" size={0}>
      <Link to={`/customers/${p.id}`}>{p.name ?? t('customers.unnamed')}</Link>
      <Typography.Text type="secondary">{[p.city, p.birthday].filter(Boolean).join(' · ') || '—'}</Typography.Text>
    </Space>
  );
  return (
    <Card
      title={t('duplicates.title')}
      extra={
        <Space>
          <Segmented
            value={status}
            onChange={(v) => {
              setStatus(v as Status);
              setPage(1);
            }}
            options={(['open', 'merged', 'dismissed'] as const).map((s) => ({ value: s, label: t(`duplicates.statuses.${s}`) }))}
          />
          {editable && (
            <Button onClick={() => scan.mutate()} loading={scan.isPending}>
              {t('duplicates.scan')}
            </Button>
          )}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('duplicates.help')}</Typography.Paragraph>
      {scanState && (
        <Typography.Paragraph data-testid="duplicates-scan-state">
          {scanState.finishedAt
            ? t('duplicates.scanFinished', { at: formatDateTime(scanState.finishedAt, i18n.language), count: scanState.found ?? 0 })
            : t('duplicates.scanRunning', { at: formatDateTime(scanState.startedAt, i18n.language) })}
        </Typography.Paragraph>
      )}
      <Table<Pair>
        rowKey="id"
        size="small"
        loading={pairs.isLoading}
        dataSource={pairs.data?.items}
        pagination={{ current: page, pageSize: 20, total: pairs.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('duplicates.keep'), render: (_, p) => person(p.a) },
          { title: t('duplicates.other'), render: (_, p) => person(p.b) },
          { title: t('duplicates.score'), dataIndex: 'score' },
          { title: t('duplicates.reasons'), render: (_, p) => p.reasons.map((r) => <Tag key={r}>{t(`duplicates.reasonNames.${r}`)}</Tag>) },
          { title: t('duplicates.found'), render: (_, p) => formatDateTime(p.foundAt, i18n.language) },
          status === 'open' && editable
            ? {
                title: t('common.actions'),
                render: (_, p) => (
                  <Space>
                    <Button size="small" type="primary" onClick={() => setMerging(p)} data-testid={`merge-pair-${p.id}`}>
                      {t('customers.merge')}
                    </Button>
                    <Popconfirm title={t('duplicates.dismissConfirm')} onConfirm={() => dismiss.mutate(p.id)}>
                      <Button size="small">{t('duplicates.dismiss')}</Button>
                    </Popconfirm>
                  </Space>
                ),
              }
            : { title: t('duplicates.resolvedBy'), render: (_, p) => p.resolvedBy ?? '—' },
        ]}
      />
      {merging && (
        <MergePair
          pair={merging}
          onClose={() => {
            setMerging(null);
            refresh();
          }}
        />
      )}
    </Card>
  );
}
