import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiKeyBody } from '../../../../contracts/auth.ts';
import { type Permission, ROLES, ROLE_PERMISSIONS, type Role } from '../../../../contracts/permissions.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { showSecret } from '../../ui/showSecret.tsx';

type NewKey = { name: string; role: Role; scopes?: Permission[] };

export function ApiKeysPage() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<NewKey>();
  const role = Form.useWatch('role', form) ?? 'analyst';
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => api<{ items: ApiKeyBody[] }>('/api-keys') });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const create = useMutation({
    mutationFn: (body: NewKey) =>
      api<{ apiKey: ApiKeyBody; secret: string }>('/api-keys', {
        method: 'POST',
        body: { ...body, scopes: body.scopes?.length ? body.scopes : undefined },
      }),
    onSuccess: (result) => {
      setOpen(false);
      form.resetFields();
      client.invalidateQueries({ queryKey: ['api-keys'] });
      showSecret(modal, {
        title: t('apiKeys.secretTitle'),
        body: t('apiKeys.secretBody'),
        secret: result.secret,
        testId: 'api-key-secret',
      });
    },
    onError,
  });
  const revoke = useMutation({
    mutationFn: (id: number) => api(`/api-keys/${id}/revoke`, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api-keys'] }),
    onError,
  });
  return (
    <Card
      title={t('apiKeys.title')}
      extra={
        <Button type="primary" onClick={() => setOpen(true)}>
          {t('apiKeys.add')}
        </Button>
      }
    >
      <Table<ApiKeyBody>
        rowKey="id"
        loading={keys.isLoading}
        dataSource={keys.data?.items}
        pagination={false}
        columns={[
          { title: t('apiKeys.name'), dataIndex: 'name' },
          { title: t('apiKeys.prefix'), dataIndex: 'prefix', render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
          { title: t('apiKeys.role'), dataIndex: 'role', render: (r: Role) => t(`roles.${r}`) },
          {
            title: t('apiKeys.scopes'),
            dataIndex: 'scopes',
            render: (s: Permission[] | null) => (s ? s.map((p) => <Tag key={p}>{t(`permissions.${p}`)}</Tag>) : t('apiKeys.allOfRole')),
          },
          { title: t('apiKeys.created'), dataIndex: 'createdAt', render: (v: string) => formatDateTime(v, i18n.language) },
          { title: t('apiKeys.lastUsed'), dataIndex: 'lastUsedAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
          {
            title: t('common.actions'),
            render: (_, k) =>
              k.revokedAt ? (
                <Tag>{t('apiKeys.revoked')}</Tag>
              ) : (
                <Popconfirm
                  title={t('apiKeys.revokeConfirm')}
                  onConfirm={() => revoke.mutate(k.id)}
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
        title={t('apiKeys.add')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
      >
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ role: 'analyst' }}>
          <Form.Item name="name" label={t('apiKeys.name')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t('apiKeys.role')}>
            <Select options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} onChange={() => form.setFieldValue('scopes', [])} />
          </Form.Item>
          <Form.Item name="scopes" label={t('apiKeys.scopes')}>
            <Select
              mode="multiple"
              placeholder={t('apiKeys.allOfRole')}
              options={ROLE_PERMISSIONS[role].map((p) => ({ value: p, label: t(`permissions.${p}`) }))}
            />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
