import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, DatePicker, Input, List, Row, Segmented, Space, Statistic, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { socialList, socialReport } from '../../../../contracts/social.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatPercent } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { Chart } from '../../ui/Chart.tsx';
import { SocialImport } from './SocialImport.tsx';
import { RevealButton } from '../../ui/RevealButton.tsx';

type Posts = z.infer<typeof socialList>;
type Report = z.infer<typeof socialReport>;
const COLOR = { positive: 'green', neutral: 'default', negative: 'red' } as const;

/** One post with its sentiment and the words that decided it; a reply box while it waits for an answer. */
function PostItem({ p }: { p: Posts['items'][number] }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [text, setText] = useState('');
  const reply = useMutation({
    mutationFn: () => api(`/social/posts/${p.id}/replies`, { method: 'POST', body: { text } }),
    onSuccess: () => {
      setText('');
      void client.invalidateQueries({ queryKey: ['social'] });
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  return (
    <List.Item>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <Tag>{p.platform}</Tag>
          <Tag color={COLOR[p.sentimentLabel]}>{t(`social.sentiments.${p.sentimentLabel}`)}</Tag>
          {p.customerId ? (
            <Link to={`/customers/${p.customerId}`}>{p.customerName ?? `#${p.customerId}`}</Link>
          ) : (
            <span>{p.authorName ?? p.authorId}</span>
          )}
          <Typography.Text type="secondary">{formatDateTime(p.postedAt, i18n.language)}</Typography.Text>
          {p.ticketId && <Tag color="orange">{t('social.ticket', { id: p.ticketId })}</Tag>}
        </Space>
        <Typography.Paragraph style={{ margin: 0 }}>{p.text}</Typography.Paragraph>
        {p.sentimentWords.length > 0 && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {`${t('social.because')}: ${p.sentimentWords.map((w) => `${w.word} (${w.weight > 0 ? '+' : ''}${w.weight})`).join(' · ')}`}
          </Typography.Text>
        )}
        {p.ourReplies.map((r) => (
          <Typography.Text key={r.at} type="success">{`↳ ${r.text}`}</Typography.Text>
        ))}
        {can('service.write') && p.needsAnswer && !p.answeredAt && (
          <Space.Compact style={{ width: '100%' }}>
            <Input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('social.replyPlaceholder')} />
            <Button disabled={!text.trim()} loading={reply.isPending} onClick={() => reply.mutate()}>
              {t('social.reply')}
            </Button>
          </Space.Compact>
        )}
      </Space>
    </List.Item>
  );
}

/** Social listening: volume and sentiment over time, platforms, topics, top authors, and the posts waiting for an answer. */
export function SocialPage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day'), dayjs()]);
  const [view, setView] = useState<'unanswered' | 'negative' | 'all'>('unanswered');
  const [reveal, setReveal] = useState(false);
  const query = { from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') };
  const report = useQuery({
    queryKey: ['social', 'report', query],
    queryFn: () => api<Report>('/social/report', { query }),
    enabled: can('analytics.read'),
  });
  const posts = useQuery({
    queryKey: ['social', 'posts', view, reveal],
    queryFn: () =>
      api<Posts>('/social/posts', {
        query: {
          limit: 50,
          unanswered: view === 'unanswered' ? 'true' : undefined,
          sentiment: view === 'negative' ? 'negative' : undefined,
          reveal: reveal ? 'true' : undefined,
        },
      }),
  });
  const r = report.data;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="social-page">
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('social.title')}
        </Typography.Title>
        <Space wrap>
          <RevealButton shown={reveal} onReveal={() => setReveal(true)} testId="social-reveal" />
          {can('customers.write') && <SocialImport />}
          <DatePicker.RangePicker value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} allowClear={false} />
        </Space>
      </Space>
      {r && (
        <>
          <Row gutter={16}>
            <Col xs={12} md={6}>
              <Statistic title={t('social.unanswered')} value={r.unanswered} />
            </Col>
            {r.byPlatform.slice(0, 3).map((p) => (
              <Col xs={12} md={6} key={p.platform}>
                <Statistic
                  title={p.platform}
                  value={p.posts}
                  suffix={
                    <Typography.Text type="danger" style={{ fontSize: 13 }}>
                      {formatPercent(p.negativeShare, i18n.language)}
                    </Typography.Text>
                  }
                />
              </Col>
            ))}
          </Row>
          {r.byDay.length > 0 && (
            <Chart
              height={220}
              option={{
                legend: {},
                xAxis: { type: 'category', data: r.byDay.map((d) => d.day) },
                yAxis: { type: 'value' },
                series: (['positive', 'neutral', 'negative'] as const).map((k) => ({
                  type: 'bar',
                  stack: 'all',
                  name: t(`social.sentiments.${k}`),
                  data: r.byDay.map((d) => d[k]),
                })),
              }}
            />
          )}
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Card size="small" title={t('social.topics')}>
                {r.topics.map((x) => (
                  <div key={x.words.join('+')}>
                    <Typography.Text strong>{`${x.words.join(' + ')} (${x.count})`}</Typography.Text>
                    <div>
                      <Typography.Text type="secondary">{x.examples[0]}</Typography.Text>
                    </div>
                  </div>
                ))}
              </Card>
            </Col>
            <Col xs={24} md={12}>
              <Card size="small" title={t('social.authors')}>
                <Table
                  size="small"
                  pagination={false}
                  rowKey={(a) => `${a.platform}:${a.authorId}`}
                  dataSource={r.authors}
                  columns={[
                    {
                      title: t('social.author'),
                      render: (_, a) =>
                        a.customerId ? <Link to={`/customers/${a.customerId}`}>{a.name ?? a.authorId}</Link> : (a.name ?? a.authorId),
                    },
                    { title: t('social.platform'), dataIndex: 'platform' },
                    { title: t('social.posts'), dataIndex: 'posts', align: 'right' },
                    { title: t('social.likes'), dataIndex: 'likes', align: 'right' },
                  ]}
                />
              </Card>
            </Col>
          </Row>
        </>
      )}
      <Segmented
        value={view}
        onChange={(v) => setView(v as typeof view)}
        options={(['unanswered', 'negative', 'all'] as const).map((v) => ({ value: v, label: t(`social.views.${v}`) }))}
      />
      <List loading={posts.isLoading} dataSource={posts.data?.items} renderItem={(p) => <PostItem p={p} />} />
    </Space>
  );
}
