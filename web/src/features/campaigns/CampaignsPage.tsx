import { useQuery } from '@tanstack/react-query';
import { Button, Card, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import type { z } from 'zod';
import { type campaignList, campaignStatus } from '../../../../contracts/campaigns.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';
import { AdAudiencesCard } from './AdAudiencesCard.tsx';
import { AttributionCard } from './AttributionCard.tsx';

type List = z.infer<typeof campaignList>;
export type CampaignStatus = z.infer<typeof campaignStatus>;

export const STATUS_COLOR: Record<CampaignStatus, string> = {
  draft: 'default',
  scheduled: 'blue',
  sending: 'processing',
  testing: 'purple',
  paused: 'orange',
  done: 'green',
  cancelled: 'default',
  failed: 'red',
};

/** States in which a campaign's figures still move. */
export const ACTIVE: CampaignStatus[] = ['scheduled', 'sending', 'testing', 'paused'];

const percent = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '—');

/** Marketing → Campaigns: every campaign with its state and key figures, newest first. */
export function CampaignsPage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const currency = useCurrency();
  const [status, setStatus] = useState<CampaignStatus | undefined>();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['campaigns', status, page],
    queryFn: () => api<List>('/campaigns', { query: { status, limit: 20, offset: (page - 1) * 20 } }),
    // Figures move while something is sending; a finished list stays as it is.
    refetchInterval: (q) => (q.state.data?.items.some((c) => ACTIVE.includes(c.status)) ? 30_000 : false),
  });
  return (
    <>
      <Card
        title={t('campaigns.title')}
        extra={
          can('marketing.write') && (
            <Button type="primary" onClick={() => navigate('/marketing/new')} data-testid="campaign-new">
              {t('campaigns.new')}
            </Button>
          )
        }
      >
        <Typography.Paragraph type="secondary">{t('campaigns.intro')}</Typography.Paragraph>
        <Space style={{ marginBottom: 12 }}>
          <Select
            allowClear
            placeholder={t('campaigns.allStatuses')}
            style={{ width: 180 }}
            value={status}
            onChange={(v) => {
              setStatus(v);
              setPage(1);
            }}
            options={campaignStatus.options.map((s) => ({ value: s, label: t(`campaigns.status.${s}`) }))}
          />
        </Space>
        <Table
          rowKey="id"
          loading={list.isLoading}
          dataSource={list.data?.items ?? []}
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage }}
          columns={[
            {
              key: 'name',
              title: t('campaigns.name'),
              render: (_, c) => <Link to={c.status === 'draft' ? `/marketing/${c.id}/edit` : `/marketing/${c.id}`}>{c.name}</Link>,
            },
            {
              key: 'status',
              title: t('campaigns.state'),
              render: (_, c) => <Tag color={STATUS_COLOR[c.status]}>{t(`campaigns.status.${c.status}`)}</Tag>,
            },
            { key: 'channel', title: t('campaigns.channel'), render: (_, c) => t(`campaigns.channels.${c.channel}`) },
            {
              key: 'when',
              title: t('campaigns.sendAt'),
              render: (_, c) => ((c.startedAt ?? c.sendAt) ? formatDateTime((c.startedAt ?? c.sendAt) as string, i18n.language) : '—'),
            },
            { key: 'recipients', title: t('campaigns.figures.recipients'), align: 'right', render: (_, c) => c.figures.recipients },
            { key: 'sent', title: t('campaigns.figures.sent'), align: 'right', render: (_, c) => c.figures.sent },
            {
              key: 'clicked',
              title: t('campaigns.clickRate'),
              align: 'right',
              render: (_, c) => percent(c.figures.clicked, c.figures.sent),
            },
            { key: 'orders', title: t('campaigns.figures.orders'), align: 'right', render: (_, c) => c.figures.orders },
            {
              key: 'revenue',
              title: t('campaigns.figures.revenue'),
              align: 'right',
              render: (_, c) => formatMoney(c.figures.revenue, currency, i18n.language),
            },
            {
              key: 'roi',
              title: t('campaigns.figures.roi'),
              align: 'right',
              render: (_, c) => (c.figures.roi === null ? '—' : c.figures.roi.toFixed(1)),
            },
          ]}
        />
      </Card>
      <AdAudiencesCard />
      <AttributionCard />
    </>
  );
}
