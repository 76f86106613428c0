import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Select, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { suppressionList } from '../../../../contracts/messaging.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type Entry = { channel: 'email' | 'sms'; address: string; reason?: string };

/** Addresses never messaged again (bounces, complaints, opt-out replies, by hand): listed masked, added and removed by address. */
export function SuppressionsTab() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['suppressions'], queryFn: () => api<z.infer<typeof suppressionList>>('/suppressions') });
  const done = () => {
    message.success(t('messaging.saved'));
    client.invalidateQueries({ queryKey: ['suppressions'] });
  };
  const add = useMutation({
    mutationFn: (body: Entry) => api('/suppressions', { method: 'POST', body }),
    onSuccess: done,
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const remove = useMutation({
    mutationFn: (body: Entry) =>
      api<{ removed: boolean }>('/suppressions/remove', { method: 'POST', body: { channel: body.channel, address: body.address } }),
    onSuccess: (r) => (r.removed ? done() : message.info(t('messaging.notSuppressed'))),
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const [form] = Form.useForm<Entry>();
  return (
    <>
      <Typography.Paragraph type="secondary">{t('messaging.suppressionsIntro')}</Typography.Paragraph>
      {can('marketing.write') && (
        <Form form={form} layout="inline" initialValues={{ channel: 'sms' }} style={{ marginBottom: 16 }}>
          <Form.Item name="channel">
            <Select style={{ width: 120 }} options={['sms', 'email'].map((c) => ({ value: c, label: t(`messaging.channels.${c}`) }))} />
          </Form.Item>
          <Form.Item name="address" rules={[{ required: true }]}>
            <Input placeholder={t('messaging.address')} style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="reason">
            <Input placeholder={t('messaging.reason')} style={{ width: 200 }} />
          </Form.Item>
          <Space>
            <Button type="primary" onClick={() => form.validateFields().then((v) => add.mutate({ ...v, reason: v.reason || 'manual' }))}>
              {t('messaging.suppress')}
            </Button>
            <Button onClick={() => form.validateFields().then((v) => remove.mutate(v))}>{t('messaging.unsuppress')}</Button>
          </Space>
        </Form>
      )}
      <Table
        rowKey={(r) => `${r.channel}:${r.address}:${r.createdAt}`}
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items}
        columns={[
          { title: t('messaging.channel'), dataIndex: 'channel', render: (c: string) => t(`messaging.channels.${c}`) },
          { title: t('messaging.address'), dataIndex: 'address' },
          { title: t('messaging.reason'), dataIndex: 'reason' },
          { title: t('messaging.source'), dataIndex: 'source' },
          { title: t('messaging.since'), dataIndex: 'createdAt', render: (v: string) => formatDateTime(v, i18n.language) },
        ]}
      />
    </>
  );
}
