import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Row, Space, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import type { z } from 'zod';
import type {
  RuleGroup,
  SegmentBody,
  estimateResult,
  membershipHistory,
  previewResult,
  segmentSizes,
} from '../../../../contracts/segments.ts';
import { ApiError, api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney, formatNumber } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';
import { Chart } from '../../ui/Chart.tsx';
import { RuleBuilder, useSegmentCatalog } from './RuleBuilder.tsx';
import { STATUS_COLORS } from './SegmentsPage.tsx';

type Estimate = z.infer<typeof estimateResult>;
type Preview = z.infer<typeof previewResult>;
type History = z.infer<typeof membershipHistory>;

const EMPTY: RuleGroup = { type: 'group', op: 'and', children: [] };

/** The value after it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return settled;
}

export function SegmentEditorPage() {
  const { id } = useParams();
  const isNew = id === 'new';
  const segmentId = isNew ? null : Number(id);
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const canWrite = useSession().can('segments.write');
  const currency = useCurrency();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rules, setRules] = useState<RuleGroup>(EMPTY);
  const [json, setJson] = useState(JSON.stringify(EMPTY, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const catalog = useSegmentCatalog();
  const segment = useQuery({
    queryKey: ['segment', segmentId],
    enabled: segmentId !== null,
    queryFn: () => api<SegmentBody>(`/segments/${segmentId}`),
    refetchInterval: (q) => (q.state.data?.status === 'pending' || q.state.data?.status === 'computing' ? 2000 : false),
  });
  useEffect(() => {
    if (!segment.data) return;
    setName(segment.data.name);
    setDescription(segment.data.description ?? '');
    if (segment.data.rules) {
      setRules(segment.data.rules);
      setJson(JSON.stringify(segment.data.rules, null, 2));
    }
  }, [segment.data]);
  const isStatic = segment.data?.kind === 'static';
  const settled = useDebounced(rules, 400);
  const preview = useQuery({
    queryKey: ['segment-preview', settled],
    enabled: !isStatic,
    queryFn: () => api<Preview>('/segments/preview', { method: 'POST', body: { rules: settled } }),
    placeholderData: (prev) => prev,
    retry: false,
  });
  // On a large shop the exact count takes seconds: an estimate from a sample answers first.
  const estimate = useQuery({
    queryKey: ['segment-estimate', settled],
    enabled: !isStatic,
    queryFn: () => api<Estimate>('/segments/estimate', { method: 'POST', body: { rules: settled } }),
    retry: false,
  });
  const estimating = (preview.isLoading || preview.isPlaceholderData) && estimate.data && !estimate.data.exact ? estimate.data : null;
  const sizes = useQuery({
    queryKey: ['segment-sizes', segmentId],
    enabled: segmentId !== null,
    queryFn: () => api<z.infer<typeof segmentSizes>>(`/segments/${segmentId}/sizes`),
  });
  const history = useQuery({
    queryKey: ['segment-history', segmentId],
    enabled: segmentId !== null,
    queryFn: () => api<History>(`/segments/${segmentId}/history`, { query: { limit: 50 } }),
  });
  const save = useMutation({
    mutationFn: () =>
      isNew
        ? api<{ segment: SegmentBody }>('/segments', {
            method: 'POST',
            body: { name, description: description || undefined, kind: 'dynamic', rules },
          }).then((r) => r.segment)
        : api<SegmentBody>(`/segments/${segmentId}`, {
            method: 'PATCH',
            body: { name, description: description || null, ...(isStatic ? {} : { rules }) },
          }),
    onSuccess: (saved) => {
      message.success(t('segments.saved'));
      queryClient.invalidateQueries({ queryKey: ['segments'] });
      queryClient.invalidateQueries({ queryKey: ['segment', saved.id] });
      if (isNew) navigate(`/segments/${saved.id}`);
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const snapshot = useMutation({
    mutationFn: () =>
      api<{ segment: SegmentBody }>(`/segments/${segmentId}/snapshot`, {
        method: 'POST',
        body: { name: t('segments.snapshotName', { name, date: new Date().toLocaleDateString(i18n.language) }) },
      }),
    onSuccess: (r) => navigate(`/segments/${r.segment.id}`),
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const setFromBuilder = (next: RuleGroup) => {
    setRules(next);
    setJson(JSON.stringify(next, null, 2));
    setJsonError(null);
  };
  const setFromJson = (text: string) => {
    setJson(text);
    try {
      setRules(JSON.parse(text) as RuleGroup);
      setJsonError(null);
    } catch (err) {
      setJsonError((err as Error).message);
    }
  };
  const previewError = preview.error instanceof ApiError ? preview.error : null;
  const sizeChart = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 50, right: 20, top: 20, bottom: 30 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value' },
      series: [{ type: 'line', step: 'end', data: (sizes.data?.items ?? []).map((s) => [s.at, s.size]) }],
    }),
    [sizes.data],
  );
  if (!isNew && segment.error) return <Alert type="error" message={errorMessage(t, segment.error)} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Card
        title={isNew ? t('segments.new') : name}
        extra={
          <Space>
            {segment.data && (
              <>
                <Tag color={STATUS_COLORS[segment.data.status]} data-testid="segment-status">
                  {t(`segments.statuses.${segment.data.status}`)}
                </Tag>
                <Button onClick={() => navigate(`/customers?segment=${segmentId}`)}>{t('segments.members')}</Button>
                {canWrite && <Button onClick={() => snapshot.mutate()}>{t('segments.snapshot')}</Button>}
              </>
            )}
            {canWrite && (
              <Button
                type="primary"
                loading={save.isPending}
                disabled={!name.trim() || !!jsonError}
                onClick={() => save.mutate()}
                data-testid="save-segment"
              >
                {t('common.save')}
              </Button>
            )}
          </Space>
        }
      >
        <Form layout="vertical">
          <Row gutter={16}>
            <Col span={8}>
              <Form.Item label={t('segments.name')} required>
                <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-testid="segment-name" />
              </Form.Item>
            </Col>
            <Col span={16}>
              <Form.Item label={t('segments.description')}>
                <Input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />
              </Form.Item>
            </Col>
          </Row>
        </Form>
        {segment.data?.error && (
          <Alert type="error" showIcon message={t('segments.failedBecause', { error: segment.data.error })} style={{ marginBottom: 16 }} />
        )}
        {segment.data && (
          <Descriptions size="small" column={3} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('segments.size')}>{formatNumber(segment.data.size, i18n.language)}</Descriptions.Item>
            <Descriptions.Item label={t('segments.computedAt')}>{formatDateTime(segment.data.computedAt, i18n.language)}</Descriptions.Item>
            <Descriptions.Item label={t('segments.kind')}>{t(`segments.kinds.${segment.data.kind}`)}</Descriptions.Item>
          </Descriptions>
        )}
        {!isStatic && (
          <Row gutter={16}>
            <Col span={17}>
              <Tabs
                items={[
                  {
                    key: 'builder',
                    label: t('segments.builder'),
                    children: catalog.data ? <RuleBuilder value={rules} onChange={setFromBuilder} catalog={catalog.data} /> : null,
                  },
                  {
                    key: 'json',
                    label: t('segments.json'),
                    children: (
                      <>
                        <Input.TextArea
                          value={json}
                          onChange={(e) => setFromJson(e.target.value)}
                          autoSize={{ minRows: 12, maxRows: 30 }}
                          style={{ fontFamily: 'monospace' }}
                          data-testid="segment-json"
                        />
                        {jsonError && <Alert type="error" message={t('segments.badJson', { error: jsonError })} />}
                      </>
                    ),
                  },
                  {
                    key: 'sql',
                    label: t('segments.sql'),
                    children: (
                      <Typography.Paragraph code copyable style={{ whiteSpace: 'pre-wrap' }}>
                        {preview.data?.sql}
                      </Typography.Paragraph>
                    ),
                  },
                ]}
              />
            </Col>
            <Col span={7}>
              <Card size="small" title={t('segments.liveCount')}>
                {previewError ? (
                  <Alert
                    type="error"
                    message={errorMessage(t, previewError)}
                    description={(previewError.details as { path?: string } | undefined)?.path}
                    data-testid="preview-error"
                  />
                ) : estimating ? (
                  <>
                    <Statistic
                      value={estimating.count}
                      prefix="≈"
                      formatter={(v) => formatNumber(Number(v), i18n.language)}
                      data-testid="estimated-count"
                    />
                    <Typography.Text type="secondary">
                      {t('segments.estimated', {
                        sampled: formatNumber(estimating.sampled, i18n.language),
                        low: formatNumber(estimating.low, i18n.language),
                        high: formatNumber(estimating.high, i18n.language),
                      })}
                    </Typography.Text>
                  </>
                ) : (
                  <>
                    <Statistic
                      value={preview.data?.count ?? 0}
                      loading={preview.isLoading}
                      formatter={(v) => formatNumber(Number(v), i18n.language)}
                      data-testid="live-count"
                    />
                    <Typography.Text type="secondary">
                      {preview.data ? t('segments.tookMs', { ms: preview.data.tookMs }) : ''}
                    </Typography.Text>
                  </>
                )}
                <Table
                  size="small"
                  rowKey="id"
                  pagination={false}
                  style={{ marginTop: 12 }}
                  dataSource={preview.data?.sample.slice(0, 10)}
                  onRow={(c) => ({ onClick: () => navigate(`/customers/${c.id}`), style: { cursor: 'pointer' } })}
                  columns={[
                    { title: t('customers.name'), dataIndex: 'name' },
                    {
                      title: t('segments.netSpent'),
                      dataIndex: 'netSpent',
                      align: 'right',
                      render: (v: number) => formatMoney(v, currency, i18n.language),
                    },
                  ]}
                />
              </Card>
            </Col>
          </Row>
        )}
      </Card>
      {segment.data && (
        <Row gutter={16}>
          <Col span={12}>
            <Card title={t('segments.sizeOverTime')}>
              <Chart option={sizeChart} height={260} />
            </Card>
          </Col>
          <Col span={12}>
            <Card title={t('segments.history')}>
              <Table
                size="small"
                rowKey={(r) => `${r.customerId}-${r.enteredAt}`}
                dataSource={history.data?.items}
                pagination={false}
                onRow={(r) => ({ onClick: () => navigate(`/customers/${r.customerId}`), style: { cursor: 'pointer' } })}
                columns={[
                  { title: t('segments.customer'), render: (_, r) => r.customerName ?? `#${r.customerId}` },
                  { title: t('segments.entered'), dataIndex: 'enteredAt', render: (v: string) => formatDateTime(v, i18n.language) },
                  { title: t('segments.exited'), dataIndex: 'exitedAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
                ]}
              />
            </Card>
          </Col>
        </Row>
      )}
    </Space>
  );
}
