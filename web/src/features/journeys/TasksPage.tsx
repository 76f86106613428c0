import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Segmented, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { taskPage } from '../../../../contracts/journeys.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type Task = z.infer<typeof taskPage>['items'][number];

/** Follow-ups (回访) the journeys created: mine or everyone's, soonest due first, closed with an outcome. */
export function TasksPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [status, setStatus] = useState<'open' | 'done' | 'cancelled'>('open');
  const [mine, setMine] = useState(true);
  const [closing, setClosing] = useState<Task | null>(null);
  const tasks = useQuery({
    queryKey: ['tasks', status, mine],
    queryFn: () => api<z.infer<typeof taskPage>>('/tasks', { query: { status, mine: String(mine), limit: 100 } }),
  });
  const close = useMutation({
    mutationFn: (v: { status: 'done' | 'cancelled'; outcome: string }) =>
      api(`/tasks/${closing!.id}/complete`, { method: 'POST', body: v }),
    onSuccess: () => {
      setClosing(null);
      client.invalidateQueries({ queryKey: ['tasks'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const now = Date.now();
  return (
    <Card title={t('tasks.title')}>
      <Space style={{ marginBottom: 16 }} wrap>
        <Segmented
          value={status}
          onChange={(v) => setStatus(v as typeof status)}
          options={(['open', 'done', 'cancelled'] as const).map((s) => ({ value: s, label: t(`tasks.status.${s}`) }))}
        />
        <Space>
          <Switch checked={mine} onChange={setMine} data-testid="tasks-mine" />
          <Typography.Text>{t('tasks.mine')}</Typography.Text>
        </Space>
      </Space>
      <Table
        rowKey="id"
        loading={tasks.isLoading}
        dataSource={tasks.data?.items ?? []}
        pagination={false}
        columns={[
          {
            key: 'due',
            title: t('tasks.due'),
            render: (_, r) => (
              <Tag color={r.status === 'open' && Date.parse(r.dueAt) < now ? 'red' : undefined}>
                {formatDateTime(r.dueAt, i18n.language)}
              </Tag>
            ),
          },
          { key: 'title', title: t('tasks.task'), render: (_, r) => <Typography.Text>{r.title}</Typography.Text> },
          {
            key: 'customer',
            title: t('tasks.customer'),
            render: (_, r) => <Link to={`/customers/${r.customerId}`}>{r.customerName ?? r.customerId}</Link>,
          },
          { key: 'journey', title: t('tasks.journey'), render: (_, r) => r.journey ?? '—' },
          {
            key: 'assignee',
            title: t('tasks.assignee'),
            render: (_, r) => (r.assignee.role ? t(`roles.${r.assignee.role}`) : `#${r.assignee.userId}`),
          },
          { key: 'outcome', title: t('tasks.outcome'), render: (_, r) => r.outcome ?? '—' },
          {
            key: 'actions',
            title: '',
            render: (_, r) =>
              r.status === 'open' &&
              can('customers.write') && (
                <Button size="small" type="primary" onClick={() => setClosing(r)} data-testid={`task-close-${r.id}`}>
                  {t('tasks.close')}
                </Button>
              ),
          },
        ]}
      />
      <Modal open={closing !== null} title={closing?.title} footer={null} onCancel={() => setClosing(null)} destroyOnHidden>
        <Form
          layout="vertical"
          initialValues={{ status: 'done' }}
          onFinish={(v: { status: 'done' | 'cancelled'; outcome: string }) => close.mutate(v)}
        >
          <Form.Item name="status" label={t('tasks.result')}>
            <Segmented options={(['done', 'cancelled'] as const).map((s) => ({ value: s, label: t(`tasks.status.${s}`) }))} />
          </Form.Item>
          <Form.Item name="outcome" label={t('tasks.outcome')} rules={[{ required: true }]}>
            <Input.TextArea rows={3} data-testid="task-outcome" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={close.isPending} data-testid="task-save">
            {t('tasks.save')}
          </Button>
        </Form>
      </Modal>
    </Card>
  );
}
