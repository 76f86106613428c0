import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, Skeleton, Space, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { MessagingRules, TemplateBody, messagePage, templateList } from '../../../../contracts/messaging.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { SmsProviderCard } from './SmsProviderCard.tsx';
import { SuppressionsTab } from './SuppressionsTab.tsx';
import { EMPTY_TEMPLATE, RenderedView, type Template, TemplateEditor } from './TemplateEditor.tsx';

type Messages = z.infer<typeof messagePage>;
type Message = Messages['items'][number];
const STATUS_COLOR: Record<string, string> = {
  queued: 'blue',
  sending: 'processing',
  sent: 'green',
  delivered: 'green',
  bounced: 'red',
  failed: 'red',
  unknown: 'orange',
  skipped: 'default',
};

function TemplatesTab() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [editing, setEditing] = useState<TemplateBody | null>(null);
  const list = useQuery({ queryKey: ['message-templates'], queryFn: () => api<z.infer<typeof templateList>>('/message-templates') });
  return (
    <>
      {can('marketing.write') && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setEditing(EMPTY_TEMPLATE)}>
          {t('messaging.newTemplate')}
        </Button>
      )}
      <Table<Template>
        rowKey="key"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={false}
        onRow={(r) => ({ onClick: () => setEditing(r), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('messaging.name'), dataIndex: 'name' },
          { title: t('messaging.key'), dataIndex: 'key', render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
          { title: t('messaging.channel'), dataIndex: 'channel', render: (c: string) => t(`messaging.channels.${c}`) },
          {
            title: t('messaging.purpose'),
            dataIndex: 'purpose',
            render: (p: string) => <Tag color={p === 'marketing' ? 'purple' : 'cyan'}>{t(`messaging.purposes.${p}`)}</Tag>,
          },
        ]}
      />
      {editing && <TemplateEditor initial={editing} onClose={() => setEditing(null)} />}
    </>
  );
}

/** Messages the sandbox "sent": delivered nowhere, shown as the recipient would have seen them. */
function SandboxTab() {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState(1);
  const query = { provider: 'sandbox', limit: 20, offset: (page - 1) * 20 };
  const list = useQuery({ queryKey: ['messages', query], queryFn: () => api<Messages>('/messages', { query }), refetchInterval: 5000 });
  return (
    <>
      <Typography.Paragraph type="secondary">{t('messaging.sandboxIntro')}</Typography.Paragraph>
      <Table<Message>
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage, showSizeChanger: false }}
        expandable={{ expandedRowRender: (m) => (m.rendered ? <RenderedView rendered={m.rendered} /> : null) }}
        columns={[
          { title: t('messaging.sentAt'), dataIndex: 'sentAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
          { title: t('messaging.to'), render: (_, m) => m.rendered?.to ?? '—' },
          { title: t('messaging.channel'), dataIndex: 'channel', render: (c: string) => t(`messaging.channels.${c}`) },
          { title: t('messaging.template'), dataIndex: 'template' },
          {
            title: t('messaging.status'),
            dataIndex: 'status',
            render: (s: string) => <Tag color={STATUS_COLOR[s]}>{t(`messaging.statuses.${s}`)}</Tag>,
          },
          {
            title: t('messaging.customer'),
            dataIndex: 'customerId',
            render: (id: number | null) => (id ? <a href={`/customers/${id}`}>{id}</a> : '—'),
          },
        ]}
      />
    </>
  );
}

function RulesTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const rules = useQuery({ queryKey: ['messaging-rules'], queryFn: () => api<MessagingRules>('/settings/messaging') });
  const smtp = useQuery({
    queryKey: ['messaging-smtp'],
    queryFn: () =>
      api<{
        configured: boolean;
        host?: string;
        port?: number;
        secure?: boolean;
        user?: string | null;
        hasPassword?: boolean;
        pool?: number;
        bounceUrl: string;
        bounceSmtpPort: number | null;
      }>('/settings/messaging/smtp'),
  });
  const done = (key: string) => () => {
    message.success(t('messaging.saved'));
    client.invalidateQueries({ queryKey: [key] });
  };
  const saveRules = useMutation({
    mutationFn: (body: MessagingRules) => api('/settings/messaging', { method: 'PUT', body }),
    onSuccess: done('messaging-rules'),
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const saveSmtp = useMutation({
    mutationFn: (body: unknown) => api('/settings/messaging/smtp', { method: 'PUT', body }),
    onSuccess: done('messaging-smtp'),
    onError: (e) => message.error(errorMessage(t, e)),
  });
  if (!rules.data || !smtp.data) return <Skeleton active />;
  const readOnly = !can('settings.manage');
  return (
    <Space direction="vertical" size="large" style={{ width: '100%', maxWidth: 640 }}>
      <Card title={t('messaging.rulesTitle')} size="small">
        <Form
          layout="vertical"
          initialValues={rules.data}
          disabled={readOnly}
          onFinish={(v: MessagingRules) => saveRules.mutate({ ...rules.data, ...v })}
        >
          <Space wrap>
            <Form.Item name={['quietHours', 'start']} label={t('messaging.quietFrom')} rules={[{ pattern: /^([01]\d|2[0-3]):[0-5]\d$/ }]}>
              <Input style={{ width: 100 }} />
            </Form.Item>
            <Form.Item name={['quietHours', 'end']} label={t('messaging.quietTo')} rules={[{ pattern: /^([01]\d|2[0-3]):[0-5]\d$/ }]}>
              <Input style={{ width: 100 }} />
            </Form.Item>
            <Form.Item name={['caps', 'marketing', 'day']} label={t('messaging.capDay')}>
              <InputNumber min={0} max={100} />
            </Form.Item>
            <Form.Item name={['caps', 'marketing', 'week']} label={t('messaging.capWeek')}>
              <InputNumber min={0} max={700} />
            </Form.Item>
          </Space>
          <Form.Item name="smsSignature" label={t('messaging.smsSignature')}>
            <Input maxLength={20} />
          </Form.Item>
          <Form.Item name="marketingSmsSuffix" label={t('messaging.smsSuffix')}>
            <Input maxLength={20} />
          </Form.Item>
          <Form.Item name="emailFrom" label={t('messaging.emailFrom')}>
            <Input />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={saveRules.isPending}>
            {t('messaging.save')}
          </Button>
        </Form>
      </Card>
      <Card
        title={t('messaging.smtpTitle')}
        size="small"
        extra={smtp.data.configured ? <Tag color="green">{t('messaging.smtp')}</Tag> : <Tag>{t('messaging.sandbox')}</Tag>}
      >
        <Form
          layout="vertical"
          initialValues={{ port: 587, secure: false, pool: 2, ...smtp.data }}
          disabled={readOnly}
          onFinish={(v) => saveSmtp.mutate({ ...v, password: v.password || undefined, user: v.user || undefined })}
        >
          <Space wrap>
            <Form.Item name="host" label={t('messaging.smtpHost')} rules={[{ required: true }]}>
              <Input style={{ width: 240 }} />
            </Form.Item>
            <Form.Item name="port" label={t('messaging.smtpPort')}>
              <InputNumber min={1} max={65535} />
            </Form.Item>
            <Form.Item name="secure" label="TLS" valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="pool" label={t('messaging.smtpPool')}>
              <InputNumber min={1} max={20} />
            </Form.Item>
          </Space>
          <Space wrap>
            <Form.Item name="user" label={t('messaging.smtpUser')}>
              <Input style={{ width: 240 }} />
            </Form.Item>
            <Form.Item
              name="password"
              label={t('messaging.smtpPassword')}
              extra={smtp.data.hasPassword ? t('messaging.passwordKept') : undefined}
            >
              <Input.Password style={{ width: 240 }} autoComplete="new-password" />
            </Form.Item>
          </Space>
          <Space>
            <Button type="primary" htmlType="submit" loading={saveSmtp.isPending}>
              {t('messaging.save')}
            </Button>
            {smtp.data.configured && <Button onClick={() => saveSmtp.mutate(null)}>{t('messaging.useSandbox')}</Button>}
          </Space>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
          {t('messaging.bounceUrl')} <Typography.Text copyable>{smtp.data.bounceUrl}</Typography.Text>
          {smtp.data.bounceSmtpPort !== null && <> {t('messaging.bounceSmtp', { port: smtp.data.bounceSmtpPort })}</>}
        </Typography.Paragraph>
      </Card>
      <SmsProviderCard />
    </Space>
  );
}

/** Settings → Messaging: templates, the sandbox inbox, quiet hours, caps and the e-mail server. */
export function MessagingPage() {
  const { t } = useTranslation();
  return (
    <Card title={t('messaging.title')}>
      <Tabs
        items={[
          { key: 'templates', label: t('messaging.templates'), children: <TemplatesTab /> },
          { key: 'sandbox', label: t('messaging.sandboxInbox'), children: <SandboxTab /> },
          { key: 'suppressions', label: t('messaging.suppressions'), children: <SuppressionsTab /> },
          { key: 'rules', label: t('messaging.rules'), children: <RulesTab /> },
        ]}
      />
    </Card>
  );
}
