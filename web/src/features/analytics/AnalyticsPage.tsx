import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, DatePicker, Row, Select, Skeleton, Space, Statistic, Table, Tabs, Typography } from 'antd';
import dayjs from 'dayjs';
import type { TFunction } from 'i18next';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import type { z } from 'zod';
import type * as C from '../../../../contracts/analytics.ts';
import { AGE_BANDS, RISK_BANDS } from '../../../../contracts/analytics.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { useCurrency } from '../../lib/store.ts';
import { Chart, type ChartOption } from '../../ui/Chart.tsx';
import { useSegmentCatalog } from '../segments/RuleBuilder.tsx';
import { AffinityTab } from './AffinityTab.tsx';
import { ScorecardTab } from './ScorecardTab.tsx';
import { ClustersTab } from './ClustersTab.tsx';
import { PredictionsTab } from './PredictionsTab.tsx';

type Filter = C.ReportFilter;
/** Each report's response, by name (the contracts of GET /analytics/reports/:name). */
type Reports = {
  overview: z.infer<typeof C.overviewReport>;
  cohorts: z.infer<typeof C.cohortReport>;
  channels: z.infer<typeof C.channelReport>;
  geography: z.infer<typeof C.geographyReport>;
  demographics: z.infer<typeof C.demographicsReport>;
  value: z.infer<typeof C.valueReport>;
};

function useReport<K extends keyof Reports>(name: K, filter: Filter) {
  return useQuery({
    queryKey: ['report', name, filter],
    queryFn: () => api<Reports[K]>(`/analytics/reports/${name}`, { query: filter }),
    placeholderData: (p) => p,
  });
}

/** Loading, error or the report's content, with when a stored report was computed. */
function Loaded<T>({ query, children }: { query: { data?: T; error: unknown; isLoading: boolean }; children: (data: T) => ReactNode }) {
  const { t, i18n } = useTranslation();
  if (query.isLoading) return <Skeleton active />;
  if (query.error || !query.data) return <Alert type="error" message={errorMessage(t, query.error)} />;
  const { asOf } = query.data as { asOf?: string };
  return (
    <>
      {asOf && (
        <Typography.Paragraph type="secondary" data-testid="report-as-of">
          {t('analytics.asOf', { time: formatDateTime(asOf, i18n.language) })}
        </Typography.Paragraph>
      )}
      {children(query.data)}
    </>
  );
}

const bar = (
  labels: string[],
  series: { name: string; data: number[]; yAxisIndex?: number; type?: 'bar' | 'line' }[],
  twoAxes = false,
): ChartOption => ({
  tooltip: { trigger: 'axis' },
  legend: { top: 0 },
  grid: { left: 60, right: twoAxes ? 60 : 20, top: 40, bottom: 60 },
  xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 12 ? 40 : 0 } },
  yAxis: twoAxes ? [{ type: 'value' }, { type: 'value' }] : { type: 'value' },
  series: series.map((s) => ({ type: s.type ?? 'bar', ...s })),
});

export function AnalyticsPage() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>({});
  const catalog = useSegmentCatalog();
  const set = (patch: Partial<Filter>) => setFilter((f) => ({ ...f, ...patch }));
  // The open tab is part of the address: a link or a reload lands on it.
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'overview';
  return (
    <Card title={t('analytics.title')} data-testid="analytics">
      <Space wrap style={{ marginBottom: 16 }}>
        <DatePicker.RangePicker
          aria-label={t('analytics.from')}
          value={[filter.from ? dayjs(filter.from) : null, filter.to ? dayjs(filter.to) : null]}
          allowEmpty={[true, true]}
          onChange={(range) => set({ from: range?.[0]?.format('YYYY-MM-DD'), to: range?.[1]?.format('YYYY-MM-DD') })}
        />
        <Select
          allowClear
          placeholder={t('analytics.allChannels')}
          style={{ width: 180 }}
          value={filter.channel}
          onChange={(channel) => set({ channel })}
          options={catalog.data?.channels.map((c) => ({ value: c.code, label: c.name }))}
        />
        <Select
          allowClear
          placeholder={t('analytics.allCustomers')}
          style={{ width: 220 }}
          value={filter.segment}
          onChange={(segment) => set({ segment })}
          options={catalog.data?.segments.map((s) => ({ value: s.id, label: s.name }))}
        />
      </Space>
      <Tabs
        destroyOnHidden
        activeKey={tab}
        onChange={(key) =>
          setParams(
            (p) => {
              p.set('tab', key);
              return p;
            },
            { replace: true },
          )
        }
        items={[
          { key: 'overview', label: t('analytics.tabs.overview'), children: <OverviewTab filter={filter} /> },
          { key: 'cohorts', label: t('analytics.tabs.cohorts'), children: <CohortsTab filter={filter} /> },
          { key: 'channels', label: t('analytics.tabs.channels'), children: <ChannelsTab filter={filter} /> },
          { key: 'scorecard', label: t('analytics.tabs.scorecard'), children: <ScorecardTab filter={filter} /> },
          { key: 'geography', label: t('analytics.tabs.geography'), children: <GeographyTab filter={filter} /> },
          { key: 'demographics', label: t('analytics.tabs.demographics'), children: <DemographicsTab filter={filter} /> },
          { key: 'rfm', label: t('analytics.tabs.rfm'), children: <RfmTab filter={filter} /> },
          { key: 'value', label: t('analytics.tabs.value'), children: <ValueTab filter={filter} /> },
          { key: 'predictions', label: t('analytics.tabs.predictions'), children: <PredictionsTab /> },
          { key: 'affinity', label: t('analytics.tabs.affinity'), children: <AffinityTab /> },
          { key: 'clusters', label: t('analytics.tabs.clusters'), children: <ClustersTab filter={filter} /> },
        ]}
      />
    </Card>
  );
}

function OverviewTab({ filter }: { filter: Filter }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const lng = i18n.language;
  return (
    <Loaded query={useReport('overview', filter)}>
      {(d) => (
        <>
          <Row gutter={[16, 16]}>
            {[
              ['customers', formatNumber(d.customers, lng)],
              ['active', formatNumber(d.active, lng)],
              ['buyers', formatNumber(d.buyers, lng)],
              ['repeatRate', formatPercent(d.repeatRate, lng)],
              ['aov', formatMoney(d.averageOrderValue, currency, lng)],
              ['revenue', formatMoney(d.revenue, currency, lng)],
              ['averageClv', d.averageClv === null ? '—' : formatMoney(d.averageClv, currency, lng)],
            ].map(([key, value]) => (
              <Col key={key} xs={12} md={6} xl={3}>
                <Statistic title={t(`analytics.kpi.${key}`)} value={value} />
              </Col>
            ))}
          </Row>
          <Row gutter={16} style={{ marginTop: 16 }}>
            <Col span={16}>
              <Chart
                testId="chart-trend"
                option={bar(
                  d.monthly.map((m) => m.month),
                  [
                    { name: t('analytics.kpi.revenue'), data: d.monthly.map((m) => Math.round(m.revenue / 100)) },
                    { name: t('analytics.kpi.buyers'), data: d.monthly.map((m) => m.buyers), yAxisIndex: 1, type: 'line' },
                    { name: t('analytics.newBuyers'), data: d.monthly.map((m) => m.newBuyers), yAxisIndex: 1, type: 'line' },
                  ],
                  true,
                )}
              />
            </Col>
            <Col span={8}>
              <Chart
                option={{
                  tooltip: { trigger: 'item' },
                  legend: { bottom: 0 },
                  series: [
                    {
                      type: 'pie',
                      radius: ['35%', '60%'],
                      data: d.stages.map((s) => ({ name: t(`analytics.stages.${s.stage}`), value: s.customers })),
                    },
                  ],
                }}
              />
            </Col>
          </Row>
        </>
      )}
    </Loaded>
  );
}

function CohortsTab({ filter }: { filter: Filter }) {
  const { t, i18n } = useTranslation();
  return (
    <Loaded query={useReport('cohorts', filter)}>
      {(d) => (
        <Table
          size="small"
          rowKey="cohort"
          pagination={false}
          scroll={{ x: true }}
          dataSource={d.cohorts}
          columns={[
            { title: t('analytics.cohort'), dataIndex: 'cohort', fixed: 'left' },
            { title: t('analytics.cohortSize'), dataIndex: 'size', align: 'right' },
            ...Array.from({ length: 13 }, (_, k) => ({
              title: t('analytics.monthN', { n: k }),
              key: `m${k}`,
              align: 'right' as const,
              render: (_: unknown, row: { retention: (number | null)[] }) => {
                const v = row.retention[k];
                return v === null ? (
                  ''
                ) : (
                  <span
                    style={{
                      background: `rgba(22, 119, 255, ${Math.min(1, v * 2).toFixed(2)})`,
                      padding: '2px 6px',
                      color: v > 0.3 ? '#fff' : undefined,
                    }}
                  >
                    {formatPercent(v, i18n.language)}
                  </span>
                );
              },
            })),
          ]}
        />
      )}
    </Loaded>
  );
}

function ChannelsTab({ filter }: { filter: Filter }) {
  const { t, i18n } = useTranslation();
  return (
    <Loaded query={useReport('channels', filter)}>
      {(d) => (
        <Row gutter={16}>
          <Col span={14}>
            <Chart
              option={bar(
                d.channels.map((c) => c.name),
                [
                  { name: t('analytics.kpi.revenue'), data: d.channels.map((c) => Math.round(c.revenue / 100)) },
                  {
                    name: t('analytics.kpi.repeatRate'),
                    data: d.channels.map((c) => Math.round(c.repeatRate * 1000) / 10),
                    yAxisIndex: 1,
                    type: 'line',
                  },
                ],
                true,
              )}
            />
          </Col>
          <Col span={10}>
            <Typography.Title level={5}>{t('analytics.crossChannel')}</Typography.Title>
            <Chart
              height={200}
              option={{
                tooltip: { trigger: 'item' },
                series: [
                  {
                    type: 'pie',
                    radius: ['35%', '60%'],
                    data: d.overlap.map((o) => ({
                      name: o.channels >= 3 ? t('analytics.channelsUsedMany') : t('analytics.channelsUsed', { count: o.channels }),
                      value: o.buyers,
                    })),
                  },
                ],
              }}
            />
            <Table
              size="small"
              rowKey={(p) => `${p.a}-${p.b}`}
              pagination={false}
              dataSource={d.pairs.slice(0, 8)}
              columns={[
                { title: t('analytics.channelPair'), render: (_, p) => `${p.a} + ${p.b}` },
                {
                  title: t('analytics.kpi.buyers'),
                  dataIndex: 'buyers',
                  align: 'right',
                  render: (n: number) => formatNumber(n, i18n.language),
                },
              ]}
            />
          </Col>
        </Row>
      )}
    </Loaded>
  );
}

function GeographyTab({ filter }: { filter: Filter }) {
  const { t } = useTranslation();
  return (
    <Loaded query={useReport('geography', filter)}>
      {(d) => (
        <Chart
          height={420}
          option={bar(
            d.provinces.map((p) => p.province ?? t('common.none')),
            [
              { name: t('analytics.kpi.revenue'), data: d.provinces.map((p) => Math.round(p.revenue / 100)) },
              { name: t('analytics.kpi.customers'), data: d.provinces.map((p) => p.customers), yAxisIndex: 1, type: 'line' },
            ],
            true,
          )}
        />
      )}
    </Loaded>
  );
}

function DemographicsTab({ filter }: { filter: Filter }) {
  const { t } = useTranslation();
  return (
    <Loaded query={useReport('demographics', filter)}>
      {(d) => {
        const genders = [...new Set(d.cells.map((c) => c.gender))];
        return (
          <Chart
            option={{
              ...bar(
                AGE_BANDS.map((b) => t(`analytics.ageBands.${b}`)),
                [],
              ),
              series: genders.map((g) => ({
                type: 'bar',
                stack: 'g',
                name: t(`customers.genders.${g}`),
                data: AGE_BANDS.map((b) => d.cells.find((c) => c.gender === g && c.band === b)?.customers ?? 0),
              })),
            }}
          />
        );
      }}
    </Loaded>
  );
}

/** The RFM window from the filter bar: ending at its last day, as long as its range (default: the last 365 days). */
function rfmWindow(filter: Filter) {
  const days = filter.from && filter.to ? Math.round((Date.parse(filter.to) - Date.parse(filter.from)) / 86_400_000) + 1 : undefined;
  return { asOf: filter.to, window: days && days > 0 ? days : undefined, channel: filter.channel, segment: filter.segment };
}

function RfmTab({ filter }: { filter: Filter }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const query = rfmWindow(filter);
  const rfm = useQuery({ queryKey: ['rfm', query], queryFn: () => api<z.infer<typeof C.rfmSummary>>('/analytics/rfm', { query }) });
  const history = useQuery({ queryKey: ['rfm-history'], queryFn: () => api<z.infer<typeof C.rfmHistory>>('/analytics/rfm/history') });
  return (
    <Loaded query={rfm}>
      {(d) => (
        <Row gutter={16}>
          <Col span={24}>
            <Typography.Paragraph type="secondary" data-testid="rfm-window">
              {t('analytics.rfmWindow', { asOf: d.asOf, days: d.windowDays, customers: formatNumber(d.customers, i18n.language) })}
            </Typography.Paragraph>
          </Col>
          <Col span={12}>
            <Typography.Title level={5}>{t('analytics.rfmGrid')}</Typography.Title>
            <Chart
              testId="chart-rfm"
              option={{
                tooltip: {
                  formatter: (p: { value: number[] }) =>
                    t('analytics.rfmCell', { r: p.value[1] + 1, f: p.value[0] + 1, count: p.value[2] }),
                },
                grid: { left: 60, right: 20, top: 10, bottom: 60 },
                xAxis: { type: 'category', name: 'F', data: ['1', '2', '3', '4', '5'] },
                yAxis: { type: 'category', name: 'R', data: ['1', '2', '3', '4', '5'] },
                visualMap: {
                  min: 0,
                  max: Math.max(1, ...d.grid.map((c) => c.customers)),
                  orient: 'horizontal',
                  left: 'center',
                  bottom: 0,
                  calculable: true,
                },
                series: [{ type: 'heatmap', label: { show: true }, data: d.grid.map((c) => [c.f - 1, c.r - 1, c.customers]) }],
              }}
            />
          </Col>
          <Col span={12}>
            <Table
              size="small"
              rowKey="group"
              pagination={false}
              dataSource={d.groups}
              columns={[
                { title: t('analytics.rfmGroup'), dataIndex: 'group', render: (g: string) => t(`analytics.rfmGroups.${g}`) },
                {
                  title: t('analytics.kpi.customers'),
                  dataIndex: 'customers',
                  align: 'right',
                  render: (n: number) => formatNumber(n, i18n.language),
                },
                {
                  title: t('analytics.kpi.revenue'),
                  dataIndex: 'revenue',
                  align: 'right',
                  render: (n: number) => formatMoney(n, currency, i18n.language),
                },
              ]}
            />
          </Col>
          {history.data && history.data.items.length > 0 && (
            <Col span={24}>
              <Typography.Title level={5}>{t('analytics.rfmOverTime')}</Typography.Title>
              <RfmHistoryChart items={history.data.items} t={t} />
            </Col>
          )}
        </Row>
      )}
    </Loaded>
  );
}

function RfmHistoryChart({ items, t }: { items: { asOf: string; group: string; customers: number }[]; t: TFunction }) {
  const dates = [...new Set(items.map((i) => i.asOf))];
  const groups = [...new Set(items.map((i) => i.group))];
  return (
    <Chart
      option={{
        ...bar(dates, []),
        series: groups.map((g) => ({
          type: 'bar',
          stack: 'rfm',
          name: t(`analytics.rfmGroups.${g}`),
          data: dates.map((d) => items.find((i) => i.asOf === d && i.group === g)?.customers ?? 0),
        })),
      }}
    />
  );
}

function ValueTab({ filter }: { filter: Filter }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const navigate = useNavigate();
  const lng = i18n.language;
  return (
    <Loaded query={useReport('value', filter)}>
      {(d) => (
        <Row gutter={16}>
          <Col span={12}>
            <Typography.Title level={5}>{t('analytics.clvDistribution')}</Typography.Title>
            <Chart
              option={bar(
                d.clvBands.map((b) => (b.toYuan === null ? `≥ ${b.fromYuan}` : `${b.fromYuan}–${b.toYuan}`)),
                [{ name: t('analytics.kpi.customers'), data: d.clvBands.map((b) => b.customers) }],
              )}
            />
          </Col>
          <Col span={12}>
            <Typography.Title level={5}>{t('analytics.riskBands')}</Typography.Title>
            <Table
              size="small"
              rowKey="band"
              pagination={false}
              dataSource={RISK_BANDS.map((b) => d.riskBands.find((r) => r.band === b) ?? { band: b, customers: 0, netSpent: 0, clv: 0 })}
              columns={[
                { title: t('analytics.churnRisk'), dataIndex: 'band', render: (b: string) => t(`analytics.risk.${b}`) },
                {
                  title: t('analytics.kpi.customers'),
                  dataIndex: 'customers',
                  align: 'right',
                  render: (n: number) => formatNumber(n, lng),
                },
                {
                  title: t('analytics.pastValue'),
                  dataIndex: 'netSpent',
                  align: 'right',
                  render: (n: number) => formatMoney(n, currency, lng),
                },
                {
                  title: t('analytics.futureValue'),
                  dataIndex: 'clv',
                  align: 'right',
                  render: (n: number) => formatMoney(n, currency, lng),
                },
              ]}
            />
          </Col>
          <Col span={24} style={{ marginTop: 16 }}>
            <Typography.Title level={5}>{t('analytics.atRisk')}</Typography.Title>
            <Table
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={d.atRisk}
              onRow={(c) => ({ onClick: () => navigate(`/customers/${c.id}`), style: { cursor: 'pointer' } })}
              columns={[
                { title: t('customers.name'), dataIndex: 'name' },
                {
                  title: t('analytics.pastValue'),
                  dataIndex: 'netSpent',
                  align: 'right',
                  render: (n: number) => formatMoney(n, currency, lng),
                },
                { title: t('segments.fields.orders_count'), dataIndex: 'orders', align: 'right' },
                {
                  title: t('segments.fields.churn_probability'),
                  dataIndex: 'churnProbability',
                  align: 'right',
                  render: (p: number) => formatPercent(p, lng),
                },
                {
                  title: t('segments.fields.last_order_at'),
                  dataIndex: 'lastOrderAt',
                  render: (v: string | null) => (v ? new Date(v).toLocaleDateString(lng) : '—'),
                },
              ]}
            />
          </Col>
        </Row>
      )}
    </Loaded>
  );
}
