import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { attributeDefinition } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';

type Attribute = z.infer<typeof attributeDefinition>;
const TYPES = ['text', 'number', 'date', 'boolean', 'enum'] as const;

/** The custom-attribute registry: typed keys set on customers (360 page, API, imports) and used by segments. */
export function AttributesPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<Attribute>();
  const type = Form.useWatch('type', form);
  const attributes = useQuery({ queryKey: ['attributes'], queryFn: () => api<{ items: Attribute[] }>('/attributes') });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const refresh = () => {
    client.invalidateQueries({ queryKey: ['attributes'] });
    client.invalidateQueries({ queryKey: ['segment-catalog'] });
  };
  const create = useMutation({
    mutationFn: (body: Attribute) =>
      api<Attribute>('/attributes', { method: 'POST', body: { ...body, options: body.type === 'enum' ? body.options : [] } }),
    onSuccess: () => {
      setOpen(false);
      form.resetFields();
      refresh();
    },
    onError,
  });
  const remove = useMutation({ mutationFn: (key: string) => api(`/attributes/${key}`, { method: 'DELETE' }), onSuccess: refresh, onError });
  return (
    <Card
      title={t('attributes.title')}
      extra={
        <Button type="primary" onClick={() => setOpen(true)} data-testid="add-attribute">
          {t('attributes.add')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('attributes.help')}</Typography.Paragraph>
      <Table<Attribute>
        rowKey="key"
        loading={attributes.isLoading}
        dataSource={attributes.data?.items}
        pagination={false}
        columns={[
          { title: t('attributes.label'), dataIndex: 'label' },
          { title: t('attributes.key'), dataIndex: 'key', render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
          { title: t('attributes.type'), dataIndex: 'type', render: (v: string) => t(`attributes.types.${v}`) },
          { title: t('attributes.options'), render: (_, a) => a.options.map((o) => <Tag key={o}>{o}</Tag>) },
          {
            title: t('common.actions'),
            render: (_, a) => (
              <Popconfirm
                title={t('attributes.deleteConfirm', { label: a.label })}
                onConfirm={() => remove.mutate(a.key)}
                okText={t('common.confirm')}
                cancelText={t('common.cancel')}
              >
                <Button size="small" danger>
                  {t('common.delete')}
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      <Modal
        title={t('attributes.add')}
        open={open}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
      >
        <Form form={form} layout="vertical" initialValues={{ type: 'text', options: [] }} onFinish={(v) => create.mutate(v)}>
          <Form.Item name="label" label={t('attributes.label')} rules={[{ required: true, max: 100 }]}>
            <Input />
          </Form.Item>
          <Form.Item
            name="key"
            label={t('attributes.key')}
            extra={t('attributes.keyHelp')}
            rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,39}$/ }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="type" label={t('attributes.type')} rules={[{ required: true }]}>
            <Select options={TYPES.map((v) => ({ value: v, label: t(`attributes.types.${v}`) }))} />
          </Form.Item>
          {type === 'enum' && (
            <Form.Item name="options" label={t('attributes.options')} rules={[{ required: true, type: 'array', min: 1 }]}>
              <Select mode="tags" tokenSeparators={[',', '，']} />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </Card>
  );
}
