import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Col, Descriptions, Row, Skeleton, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { analyticsModels } from '../../../../contracts/analytics.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { Chart } from '../../ui/Chart.tsx';

type Models = z.infer<typeof analyticsModels>;

/** The CLV model explained in plain words, its parameters, and how well it predicted a held-out period. */
export function PredictionsTab() {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const { message } = App.useApp();
  const client = useQueryClient();
  const canRecompute = useSession().can('settings.manage');
  const models = useQuery({ queryKey: ['analytics-models'], queryFn: () => api<Models>('/analytics/models') });
  const recompute = useMutation({
    mutationFn: () => api('/analytics/recompute', { method: 'POST' }),
    onSuccess: () => {
      message.success(t('analytics.recomputeQueued'));
      setTimeout(() => client.invalidateQueries({ queryKey: ['analytics-models'] }), 5000);
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  if (models.isLoading) return <Skeleton active />;
  if (models.error || !models.data) return <Alert type="error" message={errorMessage(t, models.error)} />;
  const { clv, lifecycle } = models.data;
  const v = clv?.validation;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large" data-testid="predictions">
      <Space>
        {canRecompute && (
          <Button onClick={() => recompute.mutate()} loading={recompute.isPending}>
            {t('analytics.recompute')}
          </Button>
        )}
        <Typography.Text type="secondary">{t('analytics.pendingChanges', { count: models.data.pendingChanges })}</Typography.Text>
      </Space>
      <Alert
        type="info"
        showIcon
        message={t('analytics.explainTitle')}
        description={
          <Typography.Paragraph style={{ whiteSpace: 'pre-line', marginBottom: 0 }}>{t('analytics.explainBody')}</Typography.Paragraph>
        }
      />
      {!clv && <Alert type="warning" message={t('analytics.notComputed')} />}
      {clv?.status === 'insufficient_data' && (
        <Alert
          type="warning"
          showIcon
          message={t('analytics.tooLittleHistory')}
          description={t(`analytics.insufficient.${clv.reason ?? 'too_few_buyers'}`, {
            buyers: clv.customers,
            repeat: clv.repeatCustomers,
          })}
        />
      )}
      {clv?.status === 'ready' && clv.bgnbd && clv.gammaGamma && (
        <Row gutter={16}>
          <Col span={10}>
            <Descriptions size="small" column={1} bordered title={t('analytics.modelTitle')}>
              <Descriptions.Item label={t('analytics.fittedAt')}>{formatDateTime(clv.fittedAt, lng)}</Descriptions.Item>
              <Descriptions.Item label={t('analytics.fitBuyers')}>
                {t('analytics.fitBuyersValue', {
                  buyers: formatNumber(clv.customers, lng),
                  repeat: formatNumber(clv.repeatCustomers, lng),
                })}
              </Descriptions.Item>
              <Descriptions.Item label="BG/NBD">{`r=${clv.bgnbd.r.toPrecision(4)} α=${clv.bgnbd.alpha.toPrecision(4)} a=${clv.bgnbd.a.toPrecision(4)} b=${clv.bgnbd.b.toPrecision(4)}`}</Descriptions.Item>
              <Descriptions.Item label="Gamma-Gamma">{`p=${clv.gammaGamma.p.toPrecision(4)} q=${clv.gammaGamma.q.toPrecision(4)} γ=${clv.gammaGamma.gamma.toPrecision(4)}`}</Descriptions.Item>
              <Descriptions.Item label={t('analytics.period')}>{t(`analytics.periods.${clv.period ?? 'week'}`)}</Descriptions.Item>
              <Descriptions.Item label={t('analytics.lifecycleThresholds')}>
                {t('analytics.lifecycleValue', {
                  active: lifecycle.activeDays,
                  atRisk: lifecycle.atRiskDays,
                  lapsed: lifecycle.lapsedDays,
                })}{' '}
                ({t(`analytics.thresholdSource.${lifecycle.source}`)})
              </Descriptions.Item>
            </Descriptions>
          </Col>
          <Col span={14}>
            <Typography.Title level={5}>{t('analytics.calibrationTitle')}</Typography.Title>
            {v ? (
              <>
                <Typography.Paragraph type="secondary">
                  {t('analytics.calibrationHelp', { until: v.calibrationUntil, periods: v.holdoutPeriods })}
                </Typography.Paragraph>
                <Chart
                  testId="chart-calibration"
                  option={{
                    tooltip: { trigger: 'axis' },
                    legend: { top: 0 },
                    grid: { left: 50, right: 20, top: 40, bottom: 40 },
                    xAxis: { type: 'category', name: t('analytics.repeatBucket'), data: v.buckets.map((b) => b.x) },
                    yAxis: { type: 'value' },
                    series: [
                      { type: 'bar', name: t('analytics.predicted'), data: v.buckets.map((b) => Number(b.predicted.toFixed(3))) },
                      { type: 'bar', name: t('analytics.actual'), data: v.buckets.map((b) => Number(b.actual.toFixed(3))) },
                    ],
                  }}
                />
              </>
            ) : (
              <Alert type="info" message={t('analytics.noHoldout')} />
            )}
          </Col>
        </Row>
      )}
    </Space>
  );
}
