import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Row, Skeleton, Statistic, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { DashboardBody } from '../../../../contracts/dashboard.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { Chart, type ChartOption } from '../../ui/Chart.tsx';

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const { data, error, isLoading } = useQuery({ queryKey: ['dashboard'], queryFn: () => api<DashboardBody>('/dashboard') });
  const monthly = useMemo<ChartOption | null>(
    () =>
      data
        ? {
            tooltip: { trigger: 'axis' },
            legend: { top: 0, data: [t('dashboard.seriesRevenue'), t('dashboard.seriesOrders')] },
            grid: { left: 60, right: 60, top: 50, bottom: 30 },
            xAxis: { type: 'category', data: data.monthly.map((m) => m.month) },
            yAxis: [{ type: 'value', name: data.currency }, { type: 'value' }],
            series: [
              { name: t('dashboard.seriesRevenue'), type: 'bar', data: data.monthly.map((m) => Math.round(m.revenue / 100)) },
              { name: t('dashboard.seriesOrders'), type: 'line', yAxisIndex: 1, smooth: true, data: data.monthly.map((m) => m.orders) },
            ],
          }
        : null,
    [data, t],
  );
  const channels = useMemo<ChartOption | null>(
    () =>
      data
        ? {
            tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
            legend: { bottom: 0, type: 'scroll' },
            series: [
              {
                type: 'pie',
                radius: ['35%', '60%'],
                center: ['50%', '42%'],
                label: { show: false },
                data: data.byChannel.map((c) => ({ name: c.name, value: Math.round(c.revenue / 100) })),
              },
            ],
          }
        : null,
    [data],
  );
  if (isLoading) return <Skeleton active />;
  if (error || !data) return <Alert type="error" message={t('app.error', { message: errorMessage(t, error) })} />;
  const stats = [
    { key: 'customers', value: formatNumber(data.customers, lng) },
    { key: 'buyers', value: formatNumber(data.buyers, lng) },
    { key: 'newCustomers', value: formatNumber(data.newCustomers30d, lng) },
    { key: 'orders', value: formatNumber(data.orders, lng) },
    { key: 'revenue', value: formatMoney(data.revenue, data.currency, lng) },
    { key: 'aov', value: formatMoney(data.averageOrderValue, data.currency, lng) },
    { key: 'repeatRate', value: formatPercent(data.repeatPurchaseRate, lng) },
  ];
  return (
    <div data-testid="dashboard">
      <Typography.Title level={3}>{t('dashboard.title')}</Typography.Title>
      <Typography.Text type="secondary">{t('dashboard.asOf', { time: formatDateTime(data.asOf, lng) })}</Typography.Text>
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        {stats.map((s) => (
          <Col key={s.key} xs={12} md={8} xl={6} xxl={3}>
            <Card size="small">
              <Statistic title={t(`dashboard.${s.key}`)} value={s.value} />
            </Card>
          </Col>
        ))}
      </Row>
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={24} xl={16}>
          <Card title={t('dashboard.monthlyTitle')}>{monthly && <Chart option={monthly} testId="chart-monthly" />}</Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card title={t('dashboard.channelTitle')}>{channels && <Chart option={channels} testId="chart-channels" />}</Card>
        </Col>
      </Row>
    </div>
  );
}
