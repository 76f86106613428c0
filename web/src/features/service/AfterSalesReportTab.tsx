import { useQuery } from '@tanstack/react-query';
import { Card, Col, DatePicker, Row, Space, Statistic, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { knowledgeReport } from '../../../../contracts/knowledge.ts';
import type { ReturnsReport } from '../../../../contracts/returns.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type KnowledgeReport = z.infer<typeof knowledgeReport>;

/**
 * What a shop manager opens on Monday: products whose return rate rose most and why, returns and complaints by cause,
 * refunds, time in each return state; the help centre's unanswered searches and the bot's deflection.
 */
export function AfterSalesReportTab() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const lng = i18n.language;
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day'), dayjs()]);
  const query = { from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') };
  const returns = useQuery({
    queryKey: ['returns', 'report', query],
    queryFn: () => api<ReturnsReport>('/returns/report', { query }),
    enabled: can('analytics.read'),
  });
  const kb = useQuery({
    queryKey: ['knowledge', 'report', query],
    queryFn: () => api<KnowledgeReport>('/knowledge/report', { query }),
    enabled: can('analytics.read'),
  });
  const r = returns.data;
  const k = kb.data;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="after-sales-report">
      <DatePicker.RangePicker value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} allowClear={false} />
      <Row gutter={16}>
        <Col xs={12} md={6}>
          <Statistic title={t('afterSales.refunds')} value={r ? formatMoney(r.refunds.amount, r.refunds.currency || 'CNY', lng) : '—'} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('afterSales.refundCount')} value={r ? formatNumber(r.refunds.count, lng) : '—'} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('afterSales.botConversations')} value={k ? formatNumber(k.bot.conversations, lng) : '—'} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic
            title={t('afterSales.deflection')}
            value={k?.bot.deflectionRate != null ? formatPercent(k.bot.deflectionRate, lng) : '—'}
          />
        </Col>
      </Row>
      <Card size="small" title={t('afterSales.products')}>
        <Table
          size="small"
          rowKey="sku"
          loading={returns.isLoading}
          dataSource={r?.products}
          pagination={{ pageSize: 10 }}
          columns={[
            { title: t('afterSales.product'), render: (_, p) => `${p.name} (${p.sku})` },
            { title: t('afterSales.sold'), dataIndex: 'sold', align: 'right' },
            { title: t('afterSales.returned'), dataIndex: 'returned', align: 'right' },
            { title: t('afterSales.rate'), align: 'right', render: (_, p) => formatPercent(p.rate, lng) },
            {
              title: t('afterSales.change'),
              align: 'right',
              render: (_, p) =>
                p.change === null ? (
                  '—'
                ) : (
                  <Tag color={p.change > 0 ? 'red' : 'green'}>{`${p.change > 0 ? '+' : ''}${formatPercent(p.change, lng)}`}</Tag>
                ),
            },
            { title: t('afterSales.reasons'), render: (_, p) => p.topReasons.map((x) => `${x.reason} ${x.units}`).join(' · ') },
          ]}
        />
      </Card>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Card size="small" title={t('afterSales.causes')}>
            <Table
              size="small"
              rowKey={(c) => `${c.kind}-${c.reason}-${c.sku}-${c.channel}-${c.month}`}
              dataSource={r?.causes}
              pagination={{ pageSize: 10 }}
              columns={[
                { title: t('afterSales.kind'), render: (_, c) => t(`afterSales.kinds.${c.kind}`) },
                { title: t('afterSales.reason'), dataIndex: 'reason' },
                { title: t('afterSales.product'), render: (_, c) => c.sku ?? '—' },
                { title: t('afterSales.channel'), dataIndex: 'channel' },
                { title: t('afterSales.month'), dataIndex: 'month' },
                { title: t('afterSales.count'), dataIndex: 'count', align: 'right' },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small" title={t('afterSales.timeInState')}>
            <Table
              size="small"
              rowKey="state"
              pagination={false}
              dataSource={r?.timeInState}
              columns={[
                { title: t('returns.state'), render: (_, s) => t(`returns.states.${s.state}`) },
                { title: t('afterSales.count'), dataIndex: 'count', align: 'right' },
                { title: t('afterSales.medianHours'), dataIndex: 'medianHours', align: 'right' },
                { title: t('afterSales.p90Hours'), dataIndex: 'p90Hours', align: 'right' },
              ]}
            />
          </Card>
          <Card size="small" title={t('afterSales.byChannel')} style={{ marginTop: 12 }}>
            <Table
              size="small"
              rowKey="channel"
              pagination={false}
              dataSource={r?.byChannel}
              columns={[
                { title: t('afterSales.channel'), dataIndex: 'channel' },
                { title: t('afterSales.sold'), dataIndex: 'sold', align: 'right' },
                { title: t('afterSales.returned'), dataIndex: 'returned', align: 'right' },
                { title: t('afterSales.rate'), align: 'right', render: (_, c) => formatPercent(c.rate, lng) },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Card size="small" title={t('afterSales.noResult')}>
            <Table
              size="small"
              rowKey="query"
              pagination={{ pageSize: 10 }}
              dataSource={k?.noResult}
              columns={[
                { title: t('afterSales.query'), dataIndex: 'query' },
                { title: t('afterSales.count'), dataIndex: 'count', align: 'right' },
                { title: t('afterSales.last'), render: (_, x) => formatDateTime(x.last, lng) },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small" title={t('afterSales.unanswered')}>
            <Table
              size="small"
              rowKey={(x) => `${x.at}-${x.question}`}
              pagination={{ pageSize: 10 }}
              dataSource={k?.unanswered}
              columns={[
                { title: t('afterSales.question'), dataIndex: 'question' },
                { title: t('afterSales.kind'), render: (_, x) => t(`afterSales.botKinds.${x.kind}`) },
                { title: t('afterSales.last'), render: (_, x) => formatDateTime(x.at, lng) },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
