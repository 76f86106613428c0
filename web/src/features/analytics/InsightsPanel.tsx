import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Skeleton, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { z } from 'zod';
import type { customerInsights, recommendations } from '../../../../contracts/analytics.ts';
import type { membershipHistory } from '../../../../contracts/segments.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatMoney, formatPercent } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type Insights = z.infer<typeof customerInsights>;

/** The 360 page's insights: lifecycle, RFM, predictions in plain words, and segment memberships. */
export function InsightsPanel({ customerId, currency }: { customerId: number; currency: string }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const navigate = useNavigate();
  const canSegments = useSession().can('segments.read');
  const insights = useQuery({ queryKey: ['insights', customerId], queryFn: () => api<Insights>(`/customers/${customerId}/insights`) });
  const segments = useQuery({
    queryKey: ['customer-segments', customerId],
    enabled: canSegments,
    queryFn: () => api<z.infer<typeof membershipHistory>>(`/customers/${customerId}/segments`, { query: { limit: 50 } }),
  });
  const recs = useQuery({
    queryKey: ['recommendations', customerId],
    queryFn: () => api<z.infer<typeof recommendations>>(`/customers/${customerId}/recommendations`),
  });
  if (insights.isLoading) return <Skeleton active />;
  const d = insights.data;
  if (!d) return null;
  const p = d.prediction;
  return (
    <Card title={t('insights.title')} data-testid="insights">
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('segments.fields.lifecycle_stage')}>
          {d.lifecycleStage ? <Tag color="blue">{t(`analytics.stages.${d.lifecycleStage}`)}</Tag> : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('segments.fields.rfm_group')}>
          {d.rfm ? `${t(`analytics.rfmGroups.${d.rfm.group}`)} (R${d.rfm.r} F${d.rfm.f} M${d.rfm.m})` : t('insights.noRecentOrders')}
        </Descriptions.Item>
        <Descriptions.Item label={t('insights.averageOrderValue')}>
          {d.averageOrderValue === null ? '—' : formatMoney(d.averageOrderValue, currency, lng)}
        </Descriptions.Item>
        <Descriptions.Item label={t('segments.fields.avg_days_between')}>
          {d.averageDaysBetween === null ? '—' : t('insights.days', { n: Math.round(d.averageDaysBetween) })}
        </Descriptions.Item>
        <Descriptions.Item label={t('insights.channels')}>{d.channels.join(', ') || '—'}</Descriptions.Item>
        <Descriptions.Item label={t('segments.fields.last_seen_at')}>{formatDateTime(d.lastSeenAt, lng)}</Descriptions.Item>
      </Descriptions>
      {p ? (
        <Alert
          type={p.churnProbability >= 0.5 ? 'warning' : 'success'}
          data-testid="prediction"
          message={t('insights.predictionTitle')}
          description={
            <Space direction="vertical" size={2}>
              <Typography.Text>{t('insights.alive', { p: formatPercent(p.pAlive, lng) })}</Typography.Text>
              <Typography.Text>
                {t('insights.expected', { n: p.expectedPurchases.toFixed(1), value: formatMoney(p.expectedAverageValue, currency, lng) })}
              </Typography.Text>
              <Typography.Text strong>{t('insights.clv', { value: formatMoney(p.clv, currency, lng) })}</Typography.Text>
              {p.nextOrderAt && (
                <Typography.Text>{t('insights.next', { date: new Date(p.nextOrderAt).toLocaleDateString(lng) })}</Typography.Text>
              )}
            </Space>
          }
        />
      ) : (
        <Typography.Text type="secondary">
          {t(
            d.predictionStatus === 'insufficient_data'
              ? 'insights.insufficient'
              : d.ordersCount === 0
                ? 'insights.noOrders'
                : 'insights.notComputed',
          )}
        </Typography.Text>
      )}
      {recs.data && recs.data.items.length > 0 && (
        <div style={{ marginTop: 12 }} data-testid="recommendations">
          <Typography.Text strong>{t('insights.recommended')}</Typography.Text>
          <ol style={{ margin: '4px 0 0', paddingInlineStart: 20 }}>
            {recs.data.items.slice(0, 5).map((r) => (
              <li key={r.id}>
                {r.name}{' '}
                <Typography.Text type="secondary">{t('insights.because', { products: r.because.slice(0, 2).join('、') })}</Typography.Text>
              </li>
            ))}
          </ol>
        </div>
      )}
      {canSegments && segments.data && (
        <div style={{ marginTop: 12 }}>
          <Typography.Text strong>{t('insights.segments')}</Typography.Text>
          <div>
            {segments.data.items.length === 0 && <Typography.Text type="secondary">{t('common.none')}</Typography.Text>}
            {segments.data.items.map((s) => (
              <Tag
                key={`${s.segmentId}-${s.enteredAt}`}
                color={s.exitedAt ? undefined : 'green'}
                style={{ cursor: 'pointer', marginTop: 4 }}
                onClick={() => navigate(`/segments/${s.segmentId}`)}
              >
                {s.exitedAt ? t('insights.formerly', { name: s.segmentName }) : s.segmentName}
              </Tag>
            ))}
          </div>
        </div>
      )}
    </Card>
  );
}
