import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Drawer,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import {
  WEBHOOK_EVENTS,
  type WebhookEndpointBody,
  type webhookDeliveryList,
  type webhookEndpointView,
  type webhookSecretResult,
} from '../../../../contracts/webhooks.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { showSecret } from '../../ui/showSecret.tsx';

type Endpoint = z.infer<typeof webhookEndpointView>;
type Deliveries = z.infer<typeof webhookDeliveryList>;
type Secret = z.infer<typeof webhookSecretResult>;

/** One endpoint's delivery log: what was sent, what came back, replay. */
function DeliveryLog({ endpoint, onClose }: { endpoint: Endpoint | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const id = endpoint?.id;
  const log = useQuery({
    queryKey: ['webhooks', id, 'deliveries', status],
    queryFn: () => api<Deliveries>(`/webhooks/${id}/deliveries`, { query: { limit: 50, status } }),
    enabled: id !== undefined,
  });
  const replay = useMutation({
    mutationFn: (deliveryId: number) => api<{ queued: number }>(`/webhooks/${id}/replay`, { method: 'POST', body: { deliveryId } }),
    onSuccess: () => {
      message.success(t('webhooks.replayed'));
      void client.invalidateQueries({ queryKey: ['webhooks'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  return (
    <Drawer open={endpoint !== null} onClose={onClose} width={820} title={endpoint?.name} data-testid="webhook-log">
      <Select
        allowClear
        placeholder={t('webhooks.allStatuses')}
        style={{ width: 180, marginBottom: 12 }}
        value={status}
        onChange={setStatus}
        options={(['pending', 'delivered', 'failed'] as const).map((s) => ({ value: s, label: t(`webhooks.statuses.${s}`) }))}
      />
      <Table
        size="small"
        rowKey="id"
        loading={log.isLoading}
        dataSource={log.data?.items}
        pagination={false}
        expandable={{
          expandedRowRender: (d) => (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Typography.Text type="secondary">{d.deliveryId}</Typography.Text>
              <Typography.Paragraph code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {d.request}
              </Typography.Paragraph>
              {(d.response || d.error) && (
                <Typography.Paragraph code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                  {d.error ? `${d.error}\n` : ''}
                  {d.response ?? ''}
                </Typography.Paragraph>
              )}
            </Space>
          ),
        }}
        columns={[
          { title: t('webhooks.event'), dataIndex: 'eventType' },
          {
            title: t('webhooks.status'),
            dataIndex: 'status',
            render: (s: 'pending' | 'delivered' | 'failed') => (
              <Tag color={s === 'delivered' ? 'green' : s === 'failed' ? 'red' : 'blue'}>{t(`webhooks.statuses.${s}`)}</Tag>
            ),
          },
          { title: t('webhooks.attempts'), dataIndex: 'attempts', align: 'right' },
          { title: t('webhooks.answer'), dataIndex: 'responseStatus', render: (v: number | null) => v ?? '—' },
          { title: t('webhooks.created'), dataIndex: 'createdAt', render: (v: string) => formatDateTime(v, i18n.language) },
          { title: t('webhooks.next'), dataIndex: 'nextAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
          {
            title: t('common.actions'),
            render: (_, d) => (
              <Button size="small" onClick={() => replay.mutate(d.id)}>
                {t('webhooks.replay')}
              </Button>
            ),
          },
        ]}
      />
    </Drawer>
  );
}

/** Settings → Webhooks: endpoints, their state (paused after failures, and why), secrets, the delivery log. */
export function WebhooksPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [editing, setEditing] = useState<Endpoint | 'new' | null>(null);
  const [logOf, setLogOf] = useState<Endpoint | null>(null);
  const [form] = Form.useForm<WebhookEndpointBody>();
  const endpoints = useQuery({ queryKey: ['webhooks'], queryFn: () => api<Endpoint[]>('/webhooks') });
  const refresh = () => void client.invalidateQueries({ queryKey: ['webhooks'] });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const secret = (s: Secret) =>
    showSecret(modal, { title: t('webhooks.secretTitle'), body: t('webhooks.secretBody'), secret: s.secret, testId: 'webhook-secret' });
  const save = useMutation({
    mutationFn: (body: WebhookEndpointBody) =>
      editing === 'new' || editing === null
        ? api<Secret>('/webhooks', { method: 'POST', body })
        : api(`/webhooks/${editing.id}`, { method: 'PUT', body }).then(() => null),
    onSuccess: (s) => {
      setEditing(null);
      refresh();
      if (s) secret(s);
    },
    onError,
  });
  const act = useMutation({
    mutationFn: (a: { id: number; what: 'pause' | 'resume' | 'rotate' | 'delete' }) =>
      a.what === 'delete'
        ? api(`/webhooks/${a.id}`, { method: 'DELETE' })
        : a.what === 'rotate'
          ? api<Secret>(`/webhooks/${a.id}/rotate-secret`, { method: 'POST', body: { overlapHours: 24 } })
          : api(`/webhooks/${a.id}/status`, { method: 'POST', body: { status: a.what === 'pause' ? 'paused' : 'active' } }),
    onSuccess: (r, a) => {
      refresh();
      if (a.what === 'rotate') secret(r as Secret);
    },
    onError,
  });
  const open = (e: Endpoint | 'new') => {
    setEditing(e);
    form.setFieldsValue(
      e === 'new'
        ? { name: '', url: 'https://', events: [], filters: [], pii: false, pauseAfter: 20 }
        : { name: e.name, url: e.url, events: e.events, filters: e.filters, pii: e.pii, pauseAfter: e.pauseAfter },
    );
  };
  const manage = can('settings.manage');
  const paused = (endpoints.data ?? []).filter((e) => e.status === 'paused' && e.failures > 0);
  return (
    <Card
      title={t('webhooks.title')}
      extra={
        manage && (
          <Button type="primary" onClick={() => open('new')} data-testid="webhook-add">
            {t('webhooks.add')}
          </Button>
        )
      }
    >
      {paused.length > 0 && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          message={t('webhooks.pausedAlert', { names: paused.map((e) => e.name).join(', ') })}
        />
      )}
      <Typography.Paragraph type="secondary">{t('webhooks.intro')}</Typography.Paragraph>
      <Table<Endpoint>
        rowKey="id"
        loading={endpoints.isLoading}
        dataSource={endpoints.data}
        pagination={false}
        columns={[
          { title: t('webhooks.name'), dataIndex: 'name' },
          { title: t('webhooks.url'), dataIndex: 'url', render: (u: string) => <Typography.Text code>{u}</Typography.Text> },
          { title: t('webhooks.events'), dataIndex: 'events', render: (ev: string[]) => ev.map((e) => <Tag key={e}>{e}</Tag>) },
          {
            title: t('webhooks.status'),
            render: (_, e) => (
              <Space direction="vertical" size={0}>
                <Tag color={e.status === 'active' ? 'green' : 'red'}>{t(`webhooks.endpointStatus.${e.status}`)}</Tag>
                {e.pausedReason && <Typography.Text type="danger">{e.pausedReason}</Typography.Text>}
                {e.pii && <Tag color="orange">{t('webhooks.piiTag')}</Tag>}
              </Space>
            ),
          },
          { title: t('webhooks.pending'), dataIndex: 'pending', align: 'right' },
          { title: t('webhooks.failed24h'), dataIndex: 'failedLast24h', align: 'right' },
          {
            title: t('common.actions'),
            render: (_, e) => (
              <Space wrap>
                <Button size="small" onClick={() => setLogOf(e)}>
                  {t('webhooks.log')}
                </Button>
                {manage && (
                  <>
                    <Button size="small" onClick={() => open(e)}>
                      {t('webhooks.edit')}
                    </Button>
                    <Button size="small" onClick={() => act.mutate({ id: e.id, what: e.status === 'active' ? 'pause' : 'resume' })}>
                      {t(e.status === 'active' ? 'webhooks.pause' : 'webhooks.resume')}
                    </Button>
                    <Popconfirm title={t('webhooks.rotateConfirm')} onConfirm={() => act.mutate({ id: e.id, what: 'rotate' })}>
                      <Button size="small">{t('webhooks.rotate')}</Button>
                    </Popconfirm>
                    <Popconfirm title={t('webhooks.deleteConfirm')} onConfirm={() => act.mutate({ id: e.id, what: 'delete' })}>
                      <Button size="small" danger>
                        {t('webhooks.delete')}
                      </Button>
                    </Popconfirm>
                  </>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('webhooks.add') : t('webhooks.edit')}
        onCancel={() => setEditing(null)}
        onOk={() => form.validateFields().then((v) => save.mutate(v))}
        confirmLoading={save.isPending}
        width={640}
      >
        <Form form={form} layout="vertical">
          <Form.Item name="name" label={t('webhooks.name')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="url" label={t('webhooks.url')} rules={[{ required: true, type: 'url' }]}>
            <Input data-testid="webhook-url" />
          </Form.Item>
          <Form.Item name="events" label={t('webhooks.events')} rules={[{ required: true }]}>
            <Select mode="multiple" data-testid="webhook-events" options={WEBHOOK_EVENTS.map((e) => ({ value: e, label: e }))} />
          </Form.Item>
          <Form.Item name="pii" label={t('webhooks.pii')} extra={t('webhooks.piiHelp')} valuePropName="checked">
            <Switch disabled={!can('pii.read')} />
          </Form.Item>
          <Form.Item name="pauseAfter" label={t('webhooks.pauseAfter')}>
            <InputNumber min={1} max={1000} />
          </Form.Item>
          <Form.Item name="filters" hidden>
            <Input />
          </Form.Item>
        </Form>
      </Modal>
      <DeliveryLog endpoint={logOf} onClose={() => setLogOf(null)} />
    </Card>
  );
}
