import { useQuery } from '@tanstack/react-query';
import { Button, Space, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import type { Scorecard } from '../../../../contracts/analytics.ts';
import { api } from '../../lib/api.ts';
import { formatMoney, formatPercent } from '../../lib/format.ts';

type Row = Scorecard['channels'][number];
const COLUMNS = [
  'customers',
  'newCustomers',
  'repeatCustomers',
  'orders',
  'revenue',
  'revenueShare',
  'averageOrderValue',
  'repeatRate',
  'returnRate',
  'csat',
  'nps',
  'contactsPerOrder',
  'messages',
  'messagingCost',
] as const satisfies readonly (keyof Row)[];
const MONEY = new Set<string>(['revenue', 'averageOrderValue']);
const SHARE = new Set<string>(['revenueShare', 'repeatRate', 'returnRate']);

/** Each sales channel side by side over the period (the last 30 days unless one is chosen), exportable as CSV. */
export function ScorecardTab({ filter }: { filter: { from?: string; to?: string } }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const from = filter.from ?? dayjs().subtract(29, 'day').format('YYYY-MM-DD');
  const to = filter.to ?? dayjs().format('YYYY-MM-DD');
  const card = useQuery({
    queryKey: ['scorecard', from, to],
    queryFn: () => api<Scorecard>('/analytics/scorecard', { query: { from, to } }),
  });
  const currency = card.data?.currency ?? 'CNY';
  const show = (key: (typeof COLUMNS)[number], v: number | null) =>
    v === null ? '—' : MONEY.has(key) ? formatMoney(v, currency, lng) : SHARE.has(key) ? formatPercent(v, lng) : String(v);
  const csv = () => {
    const head = ['channel', ...COLUMNS].join(',');
    const body = (card.data?.channels ?? []).map((r) => [r.channel, ...COLUMNS.map((k) => r[k] ?? '')].join(',')).join('\n');
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([`${head}\n${body}\n`], { type: 'text/csv' }));
    link.download = `scorecard-${from}-${to}.csv`;
    link.click();
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="scorecard">
      <Space>
        <Typography.Text type="secondary">{t('analytics.scorecard.period', { from, to })}</Typography.Text>
        <Button size="small" onClick={csv} disabled={!card.data}>
          {t('analytics.scorecard.export')}
        </Button>
      </Space>
      <Table<Row>
        size="small"
        rowKey="channel"
        loading={card.isLoading}
        pagination={false}
        scroll={{ x: true }}
        dataSource={card.data?.channels}
        columns={[
          { title: t('analytics.scorecard.channel'), fixed: 'left', render: (_, r) => r.name },
          ...COLUMNS.map((k) => ({
            title: t(`analytics.scorecard.${k}`),
            key: k,
            align: 'right' as const,
            render: (_: unknown, r: Row) => show(k, r[k]),
          })),
        ]}
      />
      {(card.data?.overlap.length ?? 0) > 0 && (
        <Typography.Text type="secondary">
          {`${t('analytics.scorecard.overlap')}: ${card.data?.overlap.map((o) => `${o.a} + ${o.b} ${o.customers}`).join(' · ')}`}
        </Typography.Text>
      )}
    </Space>
  );
}
