import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { sourceBody } from '../../../../contracts/sources.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { showSecret } from '../../ui/showSecret.tsx';

type Source = z.infer<typeof sourceBody>;
type NewSource = { name: string; channel?: string };

export function SourcesPage() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<NewSource>();
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => api<{ items: Source[] }>('/sources') });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const create = useMutation({
    mutationFn: (body: NewSource) =>
      api<{ source: Source; writeKey: string }>('/sources', { method: 'POST', body: { ...body, channel: body.channel || undefined } }),
    onSuccess: (r) => {
      setOpen(false);
      form.resetFields();
      client.invalidateQueries({ queryKey: ['sources'] });
      showSecret(modal, { title: t('sources.keyTitle'), body: t('sources.keyBody'), secret: r.writeKey });
    },
    onError,
  });
  const revoke = useMutation({
    mutationFn: (id: number) => api(`/sources/${id}/revoke`, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['sources'] }),
    onError,
  });
  return (
    <Card
      title={t('sources.title')}
      extra={
        <Button type="primary" onClick={() => setOpen(true)}>
          {t('sources.add')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('sources.help')}</Typography.Paragraph>
      <Table<Source>
        rowKey="id"
        loading={sources.isLoading}
        dataSource={sources.data?.items}
        pagination={false}
        columns={[
          { title: t('sources.name'), dataIndex: 'name' },
          { title: t('sources.channel'), dataIndex: 'channel' },
          { title: t('sources.prefix'), dataIndex: 'prefix', render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
          { title: t('apiKeys.lastUsed'), dataIndex: 'lastUsedAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
          {
            title: t('common.actions'),
            render: (_, s) =>
              s.revokedAt ? (
                <Tag>{t('apiKeys.revoked')}</Tag>
              ) : (
                <Popconfirm
                  title={t('sources.revokeConfirm')}
                  onConfirm={() => revoke.mutate(s.id)}
                  okText={t('common.confirm')}
                  cancelText={t('common.cancel')}
                >
                  <Button size="small" danger>
                    {t('apiKeys.revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal
        open={open}
        title={t('sources.add')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
      >
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t('sources.name')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="channel" label={t('sources.channel')} rules={[{ pattern: /^[a-z][a-z0-9_]*$/ }]}>
            <Input placeholder="web" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
