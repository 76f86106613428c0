import { useQuery } from '@tanstack/react-query';
import { Card, Col, DatePicker, Row, Space, Statistic, Table } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { serviceReport } from '../../../../contracts/service.ts';
import { api } from '../../lib/api.ts';
import { formatNumber, formatPercent } from '../../lib/format.ts';
import { Chart } from '../../ui/Chart.tsx';
import { useAgents } from './InboxTab.tsx';

type Report = z.infer<typeof serviceReport>;

/** SLA clocks measured and the share met, by one dimension (the first column). */
function SlaTable<T extends { total: number; met: number }>({
  rows,
  rowKey,
  first,
}: {
  rows: T[];
  rowKey: (x: T) => string;
  first: { title: string; render: (x: T) => string };
}) {
  const { t, i18n } = useTranslation();
  return (
    <Table<T>
      style={{ marginTop: 12 }}
      size="small"
      pagination={false}
      rowKey={rowKey}
      dataSource={rows}
      columns={[
        { title: first.title, key: 'by', render: (_, x) => first.render(x) },
        { title: t('service.clocks'), dataIndex: 'total', align: 'right', render: (n: number) => formatNumber(n, i18n.language) },
        {
          title: t('service.metShare'),
          key: 'share',
          align: 'right',
          render: (_, x) => formatPercent(x.total ? x.met / x.total : 0, i18n.language),
        },
      ]}
    />
  );
}

/** Volume, reply and resolution times, SLA met, backlog, CSAT, busiest hours and complaints over a date range. */
export function ReportTab() {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day'), dayjs()]);
  const agents = useAgents();
  const agentName = (id: string | number | null) =>
    agents.data?.items.find((a) => String(a.id) === String(id))?.name ?? (id === null ? '—' : `#${id}`);
  const from = range[0].format('YYYY-MM-DD');
  const to = range[1].format('YYYY-MM-DD');
  const report = useQuery({
    queryKey: ['service', 'report', from, to],
    queryFn: () => api<Report>('/service/report', { query: { from, to } }),
  });
  const r = report.data;
  const minutes = (m: number | null) =>
    m === null ? '—' : m >= 60 ? t('service.hoursMinutes', { h: Math.floor(m / 60), m: m % 60 }) : t('service.minutes', { m });
  const days = [...new Set(r?.volume.map((v) => v.day))];
  const channels = [...new Set(r?.volume.map((v) => v.channel))];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="service-report">
      <DatePicker.RangePicker value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} allowClear={false} />
      {!r ? (
        <Card loading />
      ) : (
        <>
          <Row gutter={16}>
            {(
              [
                ['service.firstReplyMedian', minutes(r.firstReply.medianMinutes)],
                ['service.firstReplyP90', minutes(r.firstReply.p90Minutes)],
                ['service.resolutionMedian', minutes(r.resolution.medianMinutes)],
                ['service.resolutionP90', minutes(r.resolution.p90Minutes)],
              ] as const
            ).map(([k, v]) => (
              <Col xs={12} md={6} key={k}>
                <Card>
                  <Statistic title={t(k)} value={v} />
                </Card>
              </Col>
            ))}
          </Row>
          <Card title={t('service.volume')}>
            <Chart
              testId="service-volume"
              height={260}
              option={{
                tooltip: { trigger: 'axis' },
                legend: {},
                xAxis: { type: 'category', data: days },
                yAxis: { type: 'value' },
                series: channels.map((c) => ({
                  type: 'bar',
                  stack: 'v',
                  name: t(`service.channels.${c}`),
                  data: days.map((d) => r.volume.filter((v) => v.day === d && v.channel === c).reduce((s, v) => s + v.tickets, 0)),
                })),
              }}
            />
          </Card>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Card title={t('service.slaMet')}>
                <SlaTable
                  rows={r.sla}
                  rowKey={(x) => `${x.policy}-${x.metric}`}
                  first={{ title: t('service.policy'), render: (x) => `${x.policy} · ${t(`service.metrics.${x.metric}`)}` }}
                />
                <SlaTable
                  rows={r.slaByAgent}
                  rowKey={(x) => String(x.agentId)}
                  first={{ title: t('service.assignee'), render: (x) => agentName(x.agentId) }}
                />
                <SlaTable
                  rows={r.slaByQueue}
                  rowKey={(x) => String(x.queue)}
                  first={{ title: t('service.queue'), render: (x) => x.queue ?? '—' }}
                />
                <Chart
                  testId="service-sla-weeks"
                  height={200}
                  option={{
                    tooltip: { trigger: 'axis' },
                    xAxis: { type: 'category', data: r.slaByWeek.map((w) => w.week) },
                    yAxis: { type: 'value', min: 0, max: 100 },
                    series: [
                      {
                        type: 'line',
                        name: t('service.metShare'),
                        data: r.slaByWeek.map((w) => (w.total ? Math.round((1000 * w.met) / w.total) / 10 : null)),
                      },
                    ],
                  }}
                />
              </Card>
            </Col>
            <Col xs={24} md={12}>
              <Card title={t('service.csat')}>
                <Table
                  size="small"
                  pagination={false}
                  rowKey={(x) => `${x.by}-${x.key}`}
                  dataSource={r.csat}
                  columns={[
                    { title: t('service.by'), dataIndex: 'by', render: (b: string) => t(`service.csatBy.${b}`) },
                    {
                      title: t('service.key'),
                      key: 'key',
                      render: (_, x) =>
                        x.by === 'agent' ? agentName(x.key) : x.by === 'type' && x.key ? t(`service.types.${x.key}`) : (x.key ?? '—'),
                    },
                    { title: t('service.answers'), dataIndex: 'answers', align: 'right' },
                    { title: t('service.average'), dataIndex: 'average', align: 'right', render: (v: number) => v.toFixed(2) },
                    { title: t('service.satisfied'), dataIndex: 'satisfied', align: 'right', render: (v: number) => formatPercent(v, lng) },
                  ]}
                />
              </Card>
              <Card title={t('service.backlog')} style={{ marginTop: 16 }}>
                <Table
                  size="small"
                  pagination={false}
                  rowKey="bucket"
                  dataSource={r.backlog}
                  columns={[
                    { title: t('service.age'), dataIndex: 'bucket' },
                    { title: t('service.tickets'), dataIndex: 'tickets', align: 'right' },
                  ]}
                />
              </Card>
            </Col>
          </Row>
          <Card title={t('service.busiestHours')}>
            <Chart
              testId="service-hours"
              height={260}
              option={{
                tooltip: {},
                xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => String(h)) },
                yAxis: { type: 'category', data: [0, 1, 2, 3, 4, 5, 6].map((d) => t(`service.weekdays.${d}`)) },
                visualMap: { min: 0, max: Math.max(1, ...r.hours.map((h) => h.tickets)), orient: 'horizontal', left: 'center', bottom: 0 },
                series: [{ type: 'heatmap', data: r.hours.map((h) => [h.hour, h.weekday, h.tickets]) }],
              }}
            />
          </Card>
          <Card title={t('service.complaints')}>
            <Table
              size="small"
              rowKey={(x) => `${x.channel}-${x.product}-${x.tag}`}
              dataSource={r.complaints}
              columns={[
                { title: t('service.channel'), dataIndex: 'channel', render: (c: string) => t(`service.channels.${c}`) },
                { title: t('service.product'), dataIndex: 'product', render: (v: string | null) => v ?? '—' },
                { title: t('service.tag'), dataIndex: 'tag', render: (v: string | null) => v ?? '—' },
                { title: t('service.tickets'), dataIndex: 'tickets', align: 'right' },
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  );
}
