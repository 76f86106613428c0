import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { type integrationBody, providers } from '../../../../contracts/integrations.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { showSecret } from '../../ui/showSecret.tsx';

type Integration = z.infer<typeof integrationBody>;
type NewIntegration = { provider: (typeof providers)[number]; name: string; channel?: string; secret?: string };

/** Connected stores: where each platform posts its webhooks, the signing secret (shown once), deliveries and refusals. */
export function IntegrationsPage() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<NewIntegration>();
  const list = useQuery({
    queryKey: ['integrations'],
    queryFn: () => api<{ items: Integration[] }>('/integrations'),
    refetchInterval: 10_000,
  });
  const create = useMutation({
    mutationFn: (body: NewIntegration) =>
      api<{ integration: Integration; secret: string }>('/integrations', {
        method: 'POST',
        body: { ...body, channel: body.channel || undefined, secret: body.secret || undefined },
      }),
    onSuccess: (r) => {
      setOpen(false);
      form.resetFields();
      client.invalidateQueries({ queryKey: ['integrations'] });
      showSecret(modal, {
        title: t('integrations.secretTitle'),
        body: t('integrations.secretBody', { url: `${window.location.origin}${r.integration.webhookPath}` }),
        secret: r.secret,
      });
    },
    onError: (e: unknown) => message.error(errorMessage(t, e)),
  });
  const when = (v: string | null) => formatDateTime(v, i18n.language);
  return (
    <Card
      title={t('integrations.title')}
      extra={
        <Button type="primary" onClick={() => setOpen(true)}>
          {t('integrations.add')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('integrations.help')}</Typography.Paragraph>
      <Table<Integration>
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={false}
        scroll={{ x: true }}
        columns={[
          { title: t('integrations.provider'), dataIndex: 'provider', render: (p: string) => t(`integrations.providers.${p}`) },
          { title: t('integrations.name'), dataIndex: 'name' },
          { title: t('integrations.channel'), dataIndex: 'channel' },
          {
            title: t('integrations.webhookUrl'),
            dataIndex: 'webhookPath',
            render: (p: string) => <Typography.Text copyable code>{`${window.location.origin}${p}`}</Typography.Text>,
          },
          {
            title: t('integrations.deliveries'),
            render: (_, r) => (
              <Space direction="vertical" size={0}>
                <span>{t('integrations.deliveryCount', { count: r.health.deliveries })}</span>
                <Typography.Text type="secondary">{t('integrations.lastDelivery', { at: when(r.health.lastDeliveryAt) })}</Typography.Text>
              </Space>
            ),
          },
          {
            title: t('integrations.failures'),
            render: (_, r) =>
              r.health.failures === 0 ? (
                <Tag color="green">{t('integrations.noFailures')}</Tag>
              ) : (
                <Space direction="vertical" size={0}>
                  <Tag color="orange">{t('integrations.failureCount', { count: r.health.failures })}</Tag>
                  <Typography.Text type="secondary">{`${r.health.lastFailure ?? ''} · ${when(r.health.lastFailureAt)}`}</Typography.Text>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={open}
        title={t('integrations.add')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
      >
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ provider: 'taobao' }}>
          <Form.Item name="provider" label={t('integrations.provider')} rules={[{ required: true }]}>
            <Select options={providers.map((p) => ({ value: p, label: t(`integrations.providers.${p}`) }))} />
          </Form.Item>
          <Form.Item name="name" label={t('integrations.name')} rules={[{ required: true, message: t('login.required') }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="channel" label={t('integrations.channelCode')} extra={t('integrations.channelHelp')}>
            <Input maxLength={50} />
          </Form.Item>
          <Form.Item name="secret" label={t('integrations.secret')} extra={t('integrations.secretHelp')}>
            <Input.Password maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
