import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Drawer, Form, Input, Modal, Space, Table, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useMoney } from '../../lib/store.ts';
import { EarnedLine } from './Earned.tsx';
import { StepLine, triggerText } from './steps.tsx';
import type { z } from 'zod';
import { type JourneyDefinition, type JourneyStep, type journeyList, type journeyRunPage, nextOf } from '../../../../contracts/journeys.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type Journey = z.infer<typeof journeyList>['items'][number];
type RunPage = z.infer<typeof journeyRunPage>;

const STATUS_COLOR = { draft: 'default', active: 'green', paused: 'orange' } as const;
const RUN_COLOR = { waiting: 'blue', completed: 'green', exited: 'default', failed: 'red' } as const;

/** The steps in the order a run meets them (from the start, each branch after the step that opens it). */
function ordered(d: JourneyDefinition): JourneyStep[] {
  const byId = new Map(d.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const out: JourneyStep[] = [];
  const walk = (id: string | null) => {
    if (id === null || seen.has(id) || !byId.has(id)) return;
    seen.add(id);
    const s = byId.get(id)!;
    out.push(s);
    for (const n of nextOf(s)) walk(n);
  };
  walk(d.start);
  return out;
}

/** A journey's steps in run order, each with how many runs took it, wait for it and failed at it. */
function JourneySteps({ journey }: { journey: Journey }) {
  const { t } = useTranslation();
  const money = useMoney();
  const detail = useQuery({ queryKey: ['journey', journey.id], queryFn: () => api<Journey>(`/journeys/${journey.id}`) });
  const d = journey.definition;
  return (
    <Space direction="vertical">
      <Typography.Text type="secondary">{journey.description}</Typography.Text>
      <Typography.Text>{triggerText(t, d)}</Typography.Text>
      {detail.data?.earned && <EarnedLine earned={detail.data.earned} />}
      {ordered(d).map((s) => {
        const c = detail.data?.steps?.[s.id];
        const e = detail.data?.earned?.steps[s.id];
        return (
          <Space key={s.id}>
            <StepLine step={s} />
            {c && <Tag color={c.errors > 0 ? 'red' : undefined}>{t('journeys.stepCounts', c)}</Tag>}
            {e && <Tag color="green">{t('journeys.stepEarned', { ...e, revenue: money(e.revenue) })}</Tag>}
          </Space>
        );
      })}
      {d.goal && <Typography.Text>{t('journeys.goal', { event: t(`journeys.orderEvents.${d.goal.event ?? 'placed'}`) })}</Typography.Text>}
      <Typography.Text type="secondary">{t(`journeys.reentry.${d.reentry.policy}`, { days: d.reentry.days ?? 1 })}</Typography.Text>
    </Space>
  );
}

/** A journey's runs, newest first, each with its step log: the debugger. */
function RunsDrawer({ journey, onClose }: { journey: Journey; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const runs = useQuery({
    queryKey: ['journey-runs', journey.id],
    queryFn: () => api<RunPage>(`/journeys/${journey.id}/runs`, { query: { limit: 50 } }),
  });
  return (
    <Drawer open width={720} title={t('journeys.runsOf', { name: journey.name })} onClose={onClose}>
      <Table
        size="small"
        rowKey="id"
        loading={runs.isLoading}
        dataSource={runs.data?.items ?? []}
        pagination={false}
        expandable={{
          expandedRowRender: (r) => (
            <Timeline
              items={r.log.map((l) => ({
                color: l.type === 'error' ? 'red' : undefined,
                children: `${formatDateTime(l.at, i18n.language)} · ${l.step} · ${t(`journeys.log.${l.type}`, { defaultValue: l.type })} ${JSON.stringify(l.outcome)}`,
              }))}
            />
          ),
        }}
        columns={[
          {
            key: 'customer',
            title: t('journeys.customer'),
            render: (_, r) => <Link to={`/customers/${r.customerId}`}>{r.customerId}</Link>,
          },
          {
            key: 'status',
            title: t('journeys.state'),
            render: (_, r) => <Tag color={RUN_COLOR[r.status]}>{t(`journeys.runStatus.${r.status}`)}</Tag>,
          },
          { key: 'version', title: t('journeys.version'), dataIndex: 'version' },
          { key: 'started', title: t('journeys.entered'), render: (_, r) => formatDateTime(r.startedAt, i18n.language) },
          {
            key: 'next',
            title: t('journeys.nextStep'),
            render: (_, r) => (r.step ? `${r.step} · ${formatDateTime(r.dueAt, i18n.language)}` : '—'),
          },
          { key: 'note', title: t('journeys.note'), render: (_, r) => r.error ?? r.exitReason ?? '—' },
        ]}
      />
    </Drawer>
  );
}

/** Automation → Journeys: the shipped and the store's own journeys, switched on and off, with their runs. */
export function JourneysPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [runsOf, setRunsOf] = useState<Journey | null>(null);
  const [reach, setReach] = useState<Record<number, number>>({});
  const list = useQuery({ queryKey: ['journeys'], queryFn: () => api<z.infer<typeof journeyList>>('/journeys') });
  const refresh = () => client.invalidateQueries({ queryKey: ['journeys'] });
  const fail = (e: unknown) => message.error(errorMessage(t, e));
  const library = useMutation({
    mutationFn: () => api<{ added: number }>('/journeys/library', { method: 'POST' }),
    onSuccess: (r) => {
      message.success(t('journeys.libraryAdded', { n: r.added }));
      refresh();
    },
    onError: fail,
  });
  const toggle = useMutation({
    mutationFn: (j: Journey) => api(`/journeys/${j.id}/${j.status === 'active' ? 'pause' : 'activate'}`, { method: 'POST' }),
    onSuccess: refresh,
    onError: fail,
  });
  const dryRun = useMutation({
    mutationFn: (j: Journey) =>
      api<{ wouldEnter: number }>(`/journeys/${j.id}/dry-run`, { query: { days: 30 } }).then((r) => ({ id: j.id, n: r.wouldEnter })),
    onSuccess: (r) => setReach((x) => ({ ...x, [r.id]: r.n })),
    onError: fail,
  });
  const create = useMutation({
    mutationFn: (v: { key: string; name: string }) =>
      api<Journey>('/journeys', {
        method: 'POST',
        body: { ...v, definition: { trigger: { type: 'manual' }, start: 'end', steps: [{ id: 'end', type: 'exit' }] } },
      }),
    onSuccess: (j) => {
      refresh();
      navigate(`/automation/${j.id}`);
    },
    onError: fail,
  });
  const [creating, setCreating] = useState(false);
  const writable = can('automation.write');
  return (
    <Card
      title={t('journeys.title')}
      extra={
        writable && (
          <Space>
            <Button onClick={() => setCreating(true)} data-testid="journey-new">
              {t('journeys.newJourney')}
            </Button>
            <Button onClick={() => library.mutate()} loading={library.isPending} data-testid="journeys-library">
              {t('journeys.addLibrary')}
            </Button>
          </Space>
        )
      }
    >
      <Modal open={creating} title={t('journeys.newJourney')} footer={null} onCancel={() => setCreating(false)} destroyOnHidden>
        <Form layout="vertical" onFinish={(v: { key: string; name: string }) => create.mutate(v)}>
          <Form.Item name="name" label={t('journeys.name')} rules={[{ required: true }]}>
            <Input data-testid="journey-new-name" />
          </Form.Item>
          <Form.Item name="key" label={t('journeys.key')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9._-]{1,79}$/ }]}>
            <Input data-testid="journey-new-key" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="journey-create">
            {t('journeys.create')}
          </Button>
        </Form>
      </Modal>
      <Typography.Paragraph type="secondary">{t('journeys.intro')}</Typography.Paragraph>
      <Table
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        expandable={{
          expandedRowRender: (j) => <JourneySteps journey={j} />,
        }}
        columns={[
          { key: 'name', title: t('journeys.name'), dataIndex: 'name' },
          {
            key: 'status',
            title: t('journeys.state'),
            render: (_, j) => <Tag color={STATUS_COLOR[j.status]}>{t(`journeys.status.${j.status}`)}</Tag>,
          },
          { key: 'version', title: t('journeys.version'), render: (_, j) => j.version ?? '—' },
          {
            key: 'counts',
            title: t('journeys.counts'),
            render: (_, j) => t('journeys.countsText', j.counts),
          },
          {
            key: 'reach',
            title: t('journeys.wouldReach'),
            render: (_, j) =>
              reach[j.id] !== undefined ? (
                t('journeys.people', { n: reach[j.id] })
              ) : (
                <Button size="small" onClick={() => dryRun.mutate(j)}>
                  {t('journeys.dryRun')}
                </Button>
              ),
          },
          {
            key: 'actions',
            title: '',
            render: (_, j) => (
              <Space>
                <Button size="small" onClick={() => navigate(`/automation/${j.id}`)} data-testid={`journey-edit-${j.key}`}>
                  {t('journeys.edit')}
                </Button>
                <Button size="small" onClick={() => setRunsOf(j)}>
                  {t('journeys.runs')}
                </Button>
                {writable && (
                  <Button
                    size="small"
                    type={j.status === 'active' ? 'default' : 'primary'}
                    onClick={() => toggle.mutate(j)}
                    data-testid={`journey-toggle-${j.key}`}
                  >
                    {t(j.status === 'active' ? 'journeys.pause' : 'journeys.activate')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      {runsOf && <RunsDrawer journey={runsOf} onClose={() => setRunsOf(null)} />}
    </Card>
  );
}
