import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Descriptions, Row, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { z } from 'zod';
import { type CampaignReport, recipientOutcome, type recipientPage } from '../../../../contracts/campaigns.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';
import { Chart, type ChartOption } from '../../ui/Chart.tsx';
import { ACTIVE, STATUS_COLOR } from './CampaignsPage.tsx';

type Figures = CampaignReport['figures'];
type Outcome = z.infer<typeof recipientOutcome>;
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** Sent → delivered → opened → clicked → bought, and what it cost and earned. */
function Funnel({ f }: { f: Figures }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const money = (v: number) => formatMoney(v, currency, i18n.language);
  const items: [keyof Figures, string | number][] = [
    ['recipients', f.recipients],
    ['control', f.control],
    ['sent', f.sent],
    ['delivered', f.delivered],
    ['opened', f.opened],
    ['clicked', f.clicked],
    ['unsubscribed', f.unsubscribed],
    ['bounced', f.bounced],
    ['orders', f.orders],
    ['revenue', money(f.revenue)],
    ['cost', money(f.cost)],
    ['roi', f.roi === null ? '—' : f.roi.toFixed(2)],
  ];
  return (
    <Row gutter={[16, 16]} data-testid="campaign-funnel">
      {items.map(([k, v]) => (
        <Col key={k} xs={12} md={6} xl={4}>
          <Statistic title={t(`campaigns.figures.${k}`)} value={v} />
        </Col>
      ))}
    </Row>
  );
}

function FigureTable({
  rows,
  first,
}: {
  rows: { key: string; label: string; figures: Figures; extra?: React.ReactNode }[];
  first: string;
}) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  return (
    <Table
      size="small"
      rowKey="key"
      pagination={false}
      dataSource={rows}
      columns={[
        {
          key: 'label',
          title: first,
          render: (_, r) => (
            <Space>
              {r.label}
              {r.extra}
            </Space>
          ),
        },
        ...(['recipients', 'sent', 'delivered', 'opened', 'clicked', 'orders'] as const).map((k) => ({
          key: k,
          title: t(`campaigns.figures.${k}`),
          align: 'right' as const,
          render: (_: unknown, r: { figures: Figures }) => r.figures[k],
        })),
        {
          key: 'revenue',
          title: t('campaigns.figures.revenue'),
          align: 'right',
          render: (_, r) => formatMoney(r.figures.revenue, currency, i18n.language),
        },
        {
          key: 'roi',
          title: t('campaigns.figures.roi'),
          align: 'right',
          render: (_, r) => (r.figures.roi === null ? '—' : r.figures.roi.toFixed(2)),
        },
      ]}
    />
  );
}

/** The campaign's recipients with what became of each, filterable by outcome, exportable. */
function Recipients({ id }: { id: number }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const { can } = useSession();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['campaign-recipients', id, outcome, page],
    queryFn: () =>
      api<z.infer<typeof recipientPage>>(`/campaigns/${id}/recipients`, { query: { outcome, limit: 20, offset: (page - 1) * 20 } }),
  });
  return (
    <Card
      title={t('campaigns.recipients')}
      style={{ marginTop: 16 }}
      extra={
        <Space>
          <Select
            allowClear
            style={{ width: 180 }}
            placeholder={t('campaigns.allOutcomes')}
            value={outcome}
            onChange={(v) => {
              setOutcome(v);
              setPage(1);
            }}
            options={recipientOutcome.options.map((o) => ({ value: o, label: t(`campaigns.outcomes.${o}`) }))}
            data-testid="recipients-outcome"
          />
          {can('customers.export') && <Button href={`/api/v1/campaigns/${id}/recipients.csv`}>{t('campaigns.exportRecipients')}</Button>}
        </Space>
      }
    >
      <Table
        size="small"
        rowKey="customerId"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage }}
        columns={[
          {
            key: 'c',
            title: t('campaigns.customer'),
            render: (_, r) => <Link to={`/customers/${r.customerId}`}>{r.name ?? r.customerId}</Link>,
          },
          { key: 'arm', title: t('campaigns.arm'), render: (_, r) => t(`campaigns.arms.${r.arm}`) },
          { key: 'variant', title: t('campaigns.variantColumn'), render: (_, r) => r.variant ?? '—' },
          { key: 'channel', title: t('campaigns.channel'), render: (_, r) => t(`campaigns.channels.${r.channel}`) },
          {
            key: 'status',
            title: t('campaigns.messageStatus'),
            render: (_, r) => (r.status ? t(`messaging.statuses.${r.status}`, { defaultValue: r.status }) : '—'),
          },
          { key: 'skip', title: t('campaigns.skipReason'), render: (_, r) => r.skipReason ?? '—' },
          { key: 'opened', title: t('campaigns.figures.opened'), render: (_, r) => (r.opened ? '✓' : '') },
          { key: 'clicked', title: t('campaigns.figures.clicked'), render: (_, r) => (r.clicked ? '✓' : '') },
          { key: 'orders', title: t('campaigns.figures.orders'), align: 'right', dataIndex: 'orders' },
          {
            key: 'revenue',
            title: t('campaigns.figures.revenue'),
            align: 'right',
            render: (_, r) => formatMoney(r.revenue, currency, i18n.language),
          },
        ]}
      />
    </Card>
  );
}

/** A campaign's report: state and actions, funnel, days, variants, channels, holdout uplift, links, recipients. */
export function CampaignReportPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const currency = useCurrency();
  const id = Number(useParams().id);
  const report = useQuery({
    queryKey: ['campaign-report', id],
    queryFn: () => api<CampaignReport>(`/campaigns/${id}/report`),
    refetchInterval: (q) => (q.state.data && ACTIVE.includes(q.state.data.campaign.status) ? 30_000 : false),
  });
  const act = useMutation({
    mutationFn: (action: 'pause' | 'resume' | 'cancel') => api(`/campaigns/${id}/${action}`, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['campaign-report', id] }),
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const r = report.data;
  const overTime = useMemo<ChartOption | null>(
    () =>
      r
        ? {
            tooltip: { trigger: 'axis' },
            legend: { top: 0 },
            grid: { left: 60, right: 60, top: 40, bottom: 30 },
            xAxis: { type: 'category', data: r.overTime.map((d) => d.day) },
            yAxis: [{ type: 'value' }, { type: 'value', name: currency }],
            series: [
              ...(['sent', 'opened', 'clicked', 'orders'] as const).map((k) => ({
                name: t(`campaigns.figures.${k}`),
                type: 'bar',
                data: r.overTime.map((d) => d[k]),
              })),
              {
                name: t('campaigns.figures.revenue'),
                type: 'line',
                yAxisIndex: 1,
                data: r.overTime.map((d) => Math.round(d.revenue / 100)),
              },
            ],
          }
        : null,
    [r, t, currency],
  );
  if (!r) return <Card loading />;
  const c = r.campaign;
  const money = (v: number) => formatMoney(Math.round(v), currency, i18n.language);
  const writable = can('marketing.write');
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="campaign-report">
      <Card
        title={
          <Space>
            {c.name}
            <Tag color={STATUS_COLOR[c.status]} data-testid="campaign-status">
              {t(`campaigns.status.${c.status}`)}
            </Tag>
          </Space>
        }
        extra={
          <Space>
            {writable && ['scheduled', 'sending', 'testing'].includes(c.status) && (
              <Button onClick={() => act.mutate('pause')} data-testid="campaign-pause">
                {t('campaigns.pause')}
              </Button>
            )}
            {writable && c.status === 'paused' && (
              <Button onClick={() => act.mutate('resume')} data-testid="campaign-resume">
                {t('campaigns.resume')}
              </Button>
            )}
            {writable && ['scheduled', 'sending', 'testing', 'paused'].includes(c.status) && (
              <Button danger onClick={() => act.mutate('cancel')}>
                {t('campaigns.cancel')}
              </Button>
            )}
            <Button href={`/api/v1/campaigns/${id}/report.csv`}>{t('campaigns.exportReport')}</Button>
          </Space>
        }
      >
        <Descriptions
          size="small"
          column={{ xs: 1, md: 3 }}
          items={[
            { key: 'channel', label: t('campaigns.channel'), children: t(`campaigns.channels.${c.definition.channel}`) },
            { key: 'send', label: t('campaigns.sendAt'), children: c.sendAt ? formatDateTime(c.sendAt, i18n.language) : '—' },
            { key: 'start', label: t('campaigns.startedAt'), children: c.startedAt ? formatDateTime(c.startedAt, i18n.language) : '—' },
            { key: 'pending', label: t('campaigns.pending'), children: r.pending },
            {
              key: 'skipped',
              label: t('campaigns.skipped'),
              children:
                Object.entries(r.skipped)
                  .map(([k, n]) => `${k}: ${n}`)
                  .join(', ') || '—',
            },
          ]}
        />
        {c.error && <Alert type="error" showIcon message={t('campaigns.failedBecause', { error: c.error })} />}
        <div style={{ marginTop: 16 }}>
          <Funnel f={r.figures} />
        </div>
      </Card>
      <Card title={t('campaigns.overTime')}>{overTime && <Chart option={overTime} testId="campaign-chart" height={280} />}</Card>
      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <Card title={t('campaigns.holdoutTitle')} data-testid="campaign-holdout">
            {r.holdout ? (
              <Space direction="vertical">
                <Typography.Text>
                  {t('campaigns.holdoutGroups', {
                    treated: r.holdout.treated.people,
                    control: r.holdout.control.people,
                    days: r.holdout.windowDays,
                  })}
                </Typography.Text>
                <Statistic
                  title={t('campaigns.conversionUplift')}
                  value={pct(r.holdout.conversionUplift.value)}
                  suffix={`(95%: ${pct(r.holdout.conversionUplift.interval.low)} … ${pct(r.holdout.conversionUplift.interval.high)})`}
                />
                <Statistic
                  title={t('campaigns.revenueUplift')}
                  value={money(r.holdout.revenuePerRecipientUplift.value)}
                  suffix={`(95%: ${money(r.holdout.revenuePerRecipientUplift.interval.low)} … ${money(r.holdout.revenuePerRecipientUplift.interval.high)})`}
                />
                <Statistic title={t('campaigns.incrementalRevenue')} value={money(r.holdout.incrementalRevenue)} />
                <Alert
                  type={r.holdout.conversionUplift.significant || r.holdout.revenuePerRecipientUplift.significant ? 'success' : 'info'}
                  message={
                    r.holdout.conversionUplift.significant || r.holdout.revenuePerRecipientUplift.significant
                      ? t('campaigns.significant')
                      : t('campaigns.notSignificant')
                  }
                />
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('campaigns.noHoldout')}</Typography.Text>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('campaigns.topLinks')}>
            <Table
              size="small"
              rowKey="url"
              pagination={false}
              dataSource={r.topLinks}
              columns={[
                { key: 'url', title: 'URL', dataIndex: 'url', ellipsis: true },
                { key: 'clicks', title: t('campaigns.clicks'), dataIndex: 'clicks', align: 'right' },
                { key: 'people', title: t('campaigns.people'), dataIndex: 'people', align: 'right' },
              ]}
            />
          </Card>
        </Col>
      </Row>
      {r.byVariant.length > 1 && (
        <Card title={t('campaigns.variants')} data-testid="campaign-variants">
          {r.test && (
            <Alert
              style={{ marginBottom: 12 }}
              type={r.test.winner ? (r.test.significant ? 'success' : 'warning') : 'info'}
              message={
                r.test.winner
                  ? t(r.test.significant ? 'campaigns.winnerSignificant' : 'campaigns.winnerNotSignificant', {
                      winner: r.test.winner,
                      metric: t(`campaigns.metrics.${r.test.metric}`),
                      p: r.test.pValue === null ? '—' : r.test.pValue.toFixed(3),
                    })
                  : t('campaigns.testRunning', { at: c.testEndsAt ? formatDateTime(c.testEndsAt, i18n.language) : '—' })
              }
            />
          )}
          <FigureTable
            first={t('campaigns.variantColumn')}
            rows={r.byVariant.map((v) => ({
              key: v.variant,
              label: v.variant,
              figures: v.figures,
              extra: (
                <>
                  {v.variant === r.test?.winner && <Tag color="gold">{t('campaigns.winner')}</Tag>}
                  {v.metric && (
                    <Typography.Text type="secondary">
                      {t(`campaigns.metrics.${v.metric.name}`)}:{' '}
                      {v.metric.name === 'revenue_per_recipient'
                        ? `${money(v.metric.value)} (${money(v.metric.interval.low)} … ${money(v.metric.interval.high)})`
                        : `${pct(v.metric.value)} (${pct(v.metric.interval.low)} … ${pct(v.metric.interval.high)})`}
                    </Typography.Text>
                  )}
                </>
              ),
            }))}
          />
        </Card>
      )}
      {r.byChannel.length > 0 && (
        <Card title={t('campaigns.byChannel')}>
          <FigureTable
            first={t('campaigns.channel')}
            rows={r.byChannel.map((x) => ({ key: x.channel, label: t(`campaigns.channels.${x.channel}`), figures: x.figures }))}
          />
        </Card>
      )}
      <Recipients id={id} />
    </Space>
  );
}
