import { useMutation } from '@tanstack/react-query';
import { App, Button, Card, Col, Row, Select, Space, Statistic, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { z } from 'zod';
import { CLUSTER_FEATURES, type ClusterFeature, type clusterResult } from '../../../../contracts/analytics.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';
import { Chart } from '../../ui/Chart.tsx';

type Result = z.infer<typeof clusterResult>;

/** k-means on RFM (and CLV): choose features, see k candidates, compare cluster profiles, save one as a segment. */
/** Clusters of the customers the filter bar's channel and segment select (their stored, all-time metrics). */
export function ClustersTab({ filter }: { filter: { channel?: string; segment?: number } }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const navigate = useNavigate();
  const { message } = App.useApp();
  const canSave = useSession().can('segments.write');
  const currency = useCurrency();
  const [features, setFeatures] = useState<ClusterFeature[]>(['recency', 'frequency', 'monetary']);
  const [k, setK] = useState<number | undefined>();
  const scope = { channel: filter.channel, segment: filter.segment };
  const run = useMutation({
    mutationFn: () => api<Result>('/analytics/clusters', { method: 'POST', body: { features, k, ...scope } }),
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const save = useMutation({
    mutationFn: (cluster: number) =>
      api<{ segment: { id: number } }>('/segments/from-cluster', {
        method: 'POST',
        body: {
          features,
          k: run.data?.k,
          ...scope,
          cluster,
          name: t('analytics.clusterName', { n: cluster + 1, date: new Date().toLocaleString(lng) }),
        },
      }),
    onSuccess: (r) => navigate(`/segments/${r.segment.id}`),
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const format = (f: string, v: number) =>
    f === 'monetary' || f === 'clv'
      ? formatMoney(v, currency, lng)
      : f === 'recency'
        ? t('insights.days', { n: Math.round(v) })
        : v.toFixed(1);
  const r = run.data;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="clusters">
      <Space wrap>
        <Select
          mode="multiple"
          value={features}
          onChange={setFeatures}
          style={{ minWidth: 320 }}
          options={CLUSTER_FEATURES.map((f) => ({ value: f, label: t(`analytics.features.${f}`) }))}
        />
        <Select
          allowClear
          placeholder={t('analytics.kAuto')}
          value={k}
          onChange={setK}
          style={{ width: 160 }}
          options={[2, 3, 4, 5, 6, 7, 8].map((n) => ({ value: n, label: `k = ${n}` }))}
        />
        <Button
          type="primary"
          onClick={() => run.mutate()}
          loading={run.isPending}
          disabled={features.length === 0}
          data-testid="run-clusters"
        >
          {t('analytics.runClusters')}
        </Button>
      </Space>
      {r && (
        <>
          <Typography.Text>{t('analytics.clusterSummary', { customers: formatNumber(r.customers, lng), k: r.k })}</Typography.Text>
          {r.candidates.length > 1 && (
            <Chart
              height={220}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { top: 0 },
                grid: { left: 60, right: 60, top: 40, bottom: 30 },
                xAxis: { type: 'category', data: r.candidates.map((c) => `k=${c.k}`) },
                yAxis: [
                  { type: 'value', name: t('analytics.silhouette') },
                  { type: 'value', name: t('analytics.inertia') },
                ],
                series: [
                  { type: 'line', name: t('analytics.silhouette'), data: r.candidates.map((c) => Number(c.silhouette.toFixed(3))) },
                  { type: 'line', name: t('analytics.inertia'), yAxisIndex: 1, data: r.candidates.map((c) => Math.round(c.inertia)) },
                ],
              }}
            />
          )}
          <Row gutter={[16, 16]}>
            {r.clusters.map((c) => (
              <Col key={c.cluster} xs={24} md={12} xl={6}>
                <Card
                  size="small"
                  title={t('analytics.clusterN', { n: c.cluster + 1 })}
                  extra={
                    canSave && (
                      <Button size="small" onClick={() => save.mutate(c.cluster)}>
                        {t('analytics.saveAsSegment')}
                      </Button>
                    )
                  }
                >
                  <Statistic title={t('analytics.kpi.customers')} value={`${formatNumber(c.size, lng)} (${formatPercent(c.share, lng)})`} />
                  {Object.entries(c.means).map(([f, v]) => (
                    <div key={f}>
                      <Typography.Text type="secondary">{t(`analytics.features.${f}`)}: </Typography.Text>
                      {format(f, v)}
                    </div>
                  ))}
                </Card>
              </Col>
            ))}
          </Row>
        </>
      )}
    </Space>
  );
}
