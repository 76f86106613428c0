import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserBody } from '../../../../contracts/auth.ts';
import { PERMISSIONS, ROLES, type Role, roleHas } from '../../../../contracts/permissions.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';

type NewUser = { email: string; name: string; role: Role };

function PermissionMatrix() {
  const { t } = useTranslation();
  return (
    <Card title={t('users.matrixTitle')} size="small">
      <Table
        size="small"
        pagination={false}
        rowKey="permission"
        dataSource={PERMISSIONS.map((permission) => ({ permission }))}
        columns={[
          { title: t('users.permission'), dataIndex: 'permission', render: (p: string) => t(`permissions.${p}`) },
          ...ROLES.map((role) => ({
            title: t(`roles.${role}`),
            key: role,
            align: 'center' as const,
            render: (_: unknown, row: { permission: (typeof PERMISSIONS)[number] }) => (roleHas(role, row.permission) ? '✓' : ''),
          })),
        ]}
      />
    </Card>
  );
}

export function UsersPage() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<NewUser>();
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => api<{ items: UserBody[]; total: number }>('/users', { query: { limit: 200 } }),
  });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const update = useMutation({
    mutationFn: ({ id, ...body }: { id: number; role?: Role; status?: 'active' | 'disabled' }) =>
      api<UserBody>(`/users/${id}`, { method: 'PATCH', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
    onError,
  });
  const create = useMutation({
    mutationFn: (body: NewUser) => api<{ user: UserBody; temporaryPassword: string | null }>('/users', { method: 'POST', body }),
    onSuccess: (result) => {
      setOpen(false);
      form.resetFields();
      client.invalidateQueries({ queryKey: ['users'] });
      modal.success({
        title: t('users.created', { email: result.user.email }),
        content: (
          <Space direction="vertical">
            <span>{t('users.tempPassword')}</span>
            <Typography.Text code copyable>
              {result.temporaryPassword}
            </Typography.Text>
          </Space>
        ),
      });
    },
    onError,
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Card
        title={t('users.title')}
        extra={
          <Button type="primary" onClick={() => setOpen(true)}>
            {t('users.add')}
          </Button>
        }
      >
        <Table<UserBody>
          rowKey="id"
          loading={users.isLoading}
          dataSource={users.data?.items}
          pagination={false}
          columns={[
            { title: t('users.name'), dataIndex: 'name' },
            { title: t('users.email'), dataIndex: 'email' },
            {
              title: t('users.role'),
              dataIndex: 'role',
              render: (role: Role, u) => (
                <Select<Role>
                  value={role}
                  style={{ width: 170 }}
                  onChange={(r) => update.mutate({ id: u.id, role: r })}
                  options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
                />
              ),
            },
            {
              title: t('users.status'),
              render: (_, u) =>
                u.lockedUntil ? (
                  <Tag color="orange">{t('users.locked', { time: formatDateTime(u.lockedUntil, i18n.language) })}</Tag>
                ) : (
                  <Tag color={u.status === 'active' ? 'green' : 'default'}>{t(`users.${u.status}`)}</Tag>
                ),
            },
            { title: t('users.lastLogin'), dataIndex: 'lastLoginAt', render: (v: string | null) => formatDateTime(v, i18n.language) },
            {
              title: t('common.actions'),
              render: (_, u) => (
                <Button size="small" onClick={() => update.mutate({ id: u.id, status: u.status === 'active' ? 'disabled' : 'active' })}>
                  {u.status === 'active' ? t('users.disable') : t('users.enable')}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <PermissionMatrix />
      <Modal
        open={open}
        title={t('users.add')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
      >
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ role: 'marketer' }}>
          <Form.Item name="email" label={t('users.email')} rules={[{ required: true, type: 'email' }]}>
            <Input />
          </Form.Item>
          <Form.Item name="name" label={t('users.name')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t('users.role')}>
            <Select options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
