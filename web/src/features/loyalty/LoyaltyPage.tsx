import { useQuery } from '@tanstack/react-query';
import { Card, Col, Input, Row, Select, Space, Statistic, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { loyaltyReport, memberList } from '../../../../contracts/loyalty.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { useCurrency } from '../../lib/store.ts';
import { Chart } from '../../ui/Chart.tsx';
import { CouponsTab } from './CouponsTab.tsx';
import { ProgrammeTab } from './ProgrammeTab.tsx';
import { useLoyaltySettings, useTierName } from './settings.ts';

type MemberList = z.infer<typeof memberList>;
type Report = z.infer<typeof loyaltyReport>;

function MembersTab() {
  const { t, i18n } = useTranslation();
  const settings = useLoyaltySettings();
  const tierName = useTierName();
  const [tier, setTier] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['loyalty', 'members', tier, q, page],
    queryFn: () => api<MemberList>('/loyalty/members', { query: { tier, q, limit: 50, offset: (page - 1) * 50 } }),
  });
  return (
    <Card>
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          allowClear
          placeholder={t('loyalty.filterTier')}
          style={{ width: 180 }}
          value={tier}
          onChange={(v) => {
            setTier(v);
            setPage(1);
          }}
          options={[
            { value: '-', label: t('loyalty.noTier') },
            ...(settings.data?.tiers ?? []).map((x) => ({ value: x.key, label: x.name })),
          ]}
        />
        <Input.Search
          allowClear
          placeholder={t('loyalty.searchMemberNo')}
          onSearch={(v) => {
            setQ(v);
            setPage(1);
          }}
          style={{ width: 220 }}
        />
      </Space>
      <Table
        rowKey="customerId"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={{ current: page, pageSize: 50, total: list.data?.total, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('loyalty.memberNo'), dataIndex: 'memberNo' },
          {
            title: t('loyalty.customer'),
            dataIndex: 'name',
            render: (name: string | null, r) => <Link to={`/customers/${r.customerId}`}>{name ?? `#${r.customerId}`}</Link>,
          },
          { title: t('loyalty.tier'), dataIndex: 'tier', render: (k: string | null) => tierName(k) },
          { title: t('loyalty.available'), dataIndex: 'available', align: 'right', render: (n: number) => formatNumber(n, i18n.language) },
          { title: t('loyalty.pending'), dataIndex: 'pending', align: 'right', render: (n: number) => formatNumber(n, i18n.language) },
          { title: t('loyalty.joinedAt'), dataIndex: 'joinedAt', render: (v: string) => formatDateTime(v, i18n.language) },
        ]}
      />
    </Card>
  );
}

function ReportTab() {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const tierName = useTierName();
  const report = useQuery({ queryKey: ['loyalty', 'report'], queryFn: () => api<Report>('/loyalty/report') });
  const r = report.data;
  if (!r) return <Card loading />;
  const n = (v: number) => formatNumber(v, i18n.language);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Card>
            <Statistic title={t('loyalty.members')} value={r.members} />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card>
            <Statistic title={t('loyalty.liabilityAvailable')} value={r.liability.available} />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card>
            <Statistic title={t('loyalty.liabilityPending')} value={r.liability.pending} />
          </Card>
        </Col>
      </Row>
      <Card title={t('loyalty.earnBurn')}>
        <Chart
          testId="loyalty-earn-burn"
          height={280}
          option={{
            tooltip: { trigger: 'axis' },
            legend: {},
            xAxis: { type: 'category', data: r.earnBurn.map((m) => m.month) },
            yAxis: { type: 'value' },
            series: (['earned', 'spent', 'expired', 'clawedBack'] as const).map((k) => ({
              type: 'bar',
              name: t(`loyalty.flow.${k}`),
              data: r.earnBurn.map((m) => m[k]),
            })),
          }}
        />
      </Card>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Card title={t('loyalty.tierDistribution')}>
            <Table
              size="small"
              pagination={false}
              rowKey={(x) => x.tier ?? '-'}
              dataSource={r.tiers}
              columns={[
                { title: t('loyalty.tier'), dataIndex: 'tier', render: (k: string | null) => tierName(k) },
                { title: t('loyalty.members'), dataIndex: 'members', align: 'right', render: n },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card title={t('loyalty.movement')}>
            <Table
              size="small"
              pagination={false}
              rowKey="month"
              dataSource={r.movement}
              columns={[
                { title: t('loyalty.month'), dataIndex: 'month' },
                { title: t('loyalty.up'), dataIndex: 'up', align: 'right', render: n },
                { title: t('loyalty.down'), dataIndex: 'down', align: 'right', render: n },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card title={t('loyalty.couponRoi')}>
        <Table
          size="small"
          pagination={false}
          rowKey="templateId"
          dataSource={r.coupons}
          columns={[
            { title: t('coupons.name'), dataIndex: 'name' },
            { title: t('coupons.codes'), dataIndex: 'issued', align: 'right', render: n },
            { title: t('coupons.redemptions'), dataIndex: 'redeemed', align: 'right', render: n },
            { title: t('coupons.rate'), dataIndex: 'rate', align: 'right', render: (v: number) => formatPercent(v, i18n.language) },
            {
              title: t('coupons.discount'),
              dataIndex: 'discount',
              align: 'right',
              render: (v: number) => formatMoney(v, currency, i18n.language),
            },
            {
              title: t('coupons.revenue'),
              dataIndex: 'revenue',
              align: 'right',
              render: (v: number) => formatMoney(v, currency, i18n.language),
            },
          ]}
        />
      </Card>
    </Space>
  );
}

/** Loyalty: members, the programme (earn rules, expiry, tiers with a who-would-move preview), coupons, reports. */
export function LoyaltyPage() {
  const { t } = useTranslation();
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('nav.loyalty')}
      </Typography.Title>
      <Tabs
        items={[
          { key: 'members', label: t('loyalty.tabs.members'), children: <MembersTab /> },
          { key: 'programme', label: t('loyalty.tabs.programme'), children: <ProgrammeTab /> },
          { key: 'coupons', label: t('loyalty.tabs.coupons'), children: <CouponsTab /> },
          { key: 'report', label: t('loyalty.tabs.report'), children: <ReportTab /> },
        ]}
      />
    </Space>
  );
}
