import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { type adAudienceList, adPlatform } from '../../../../contracts/campaigns.ts';
import type { segmentList } from '../../../../contracts/segments.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type Values = { segmentId: number; platform: z.infer<typeof adPlatform>; refreshHours: number; pushUrl?: string; pushToken?: string };

/** Segments kept as ad platform audiences: hashed identifiers of people who agreed to sharing, as files or pushed. */
export function AdAudiencesCard() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [adding, setAdding] = useState(false);
  const list = useQuery({ queryKey: ['ad-audiences'], queryFn: () => api<z.infer<typeof adAudienceList>>('/ad-audiences') });
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api<z.infer<typeof segmentList>>('/segments'), enabled: adding });
  const refresh = () => client.invalidateQueries({ queryKey: ['ad-audiences'] });
  const fail = (e: unknown) => message.error(errorMessage(t, e));
  const create = useMutation({
    mutationFn: (v: Values) =>
      api('/ad-audiences', {
        method: 'POST',
        body: {
          segmentId: v.segmentId,
          platform: v.platform,
          refreshHours: v.refreshHours,
          push: v.pushUrl && v.pushToken ? { url: v.pushUrl, token: v.pushToken } : null,
        },
      }),
    onSuccess: () => {
      setAdding(false);
      refresh();
    },
    onError: fail,
  });
  const rebuild = useMutation({
    mutationFn: (id: number) => api(`/ad-audiences/${id}/rebuild`, { method: 'POST' }),
    onSuccess: refresh,
    onError: fail,
  });
  const remove = useMutation({
    mutationFn: (id: number) => api(`/ad-audiences/${id}`, { method: 'DELETE' }),
    onSuccess: refresh,
    onError: fail,
  });
  const exporter = can('customers.export');
  return (
    <Card
      title={t('adAudiences.title')}
      style={{ marginTop: 16 }}
      extra={
        exporter && (
          <Button onClick={() => setAdding(true)} data-testid="ad-audience-new">
            {t('adAudiences.add')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('adAudiences.intro')}</Typography.Paragraph>
      <Modal open={adding} title={t('adAudiences.add')} footer={null} onCancel={() => setAdding(false)} destroyOnHidden>
        <Form layout="vertical" initialValues={{ refreshHours: 24, platform: 'ocean_engine' }} onFinish={(v: Values) => create.mutate(v)}>
          <Form.Item name="segmentId" label={t('adAudiences.segment')} rules={[{ required: true }]}>
            <Select
              options={(segments.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
              optionFilterProp="label"
              showSearch
            />
          </Form.Item>
          <Form.Item name="platform" label={t('adAudiences.platform')}>
            <Select options={adPlatform.options.map((p) => ({ value: p, label: t(`adAudiences.platforms.${p}`) }))} />
          </Form.Item>
          <Form.Item name="refreshHours" label={t('adAudiences.refreshHours')}>
            <InputNumber min={1} max={720} addonAfter={t('campaigns.hours')} />
          </Form.Item>
          <Form.Item name="pushUrl" label={t('adAudiences.pushUrl')} extra={t('adAudiences.pushHelp')}>
            <Input placeholder="https://" />
          </Form.Item>
          <Form.Item name="pushToken" label={t('adAudiences.pushToken')}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('adAudiences.build')}
          </Button>
        </Form>
      </Modal>
      <Table
        size="small"
        rowKey="id"
        loading={list.isLoading}
        pagination={false}
        dataSource={list.data?.items ?? []}
        columns={[
          { key: 'segment', title: t('adAudiences.segment'), dataIndex: 'segmentName' },
          { key: 'platform', title: t('adAudiences.platform'), render: (_, a) => t(`adAudiences.platforms.${a.platform}`) },
          { key: 'people', title: t('adAudiences.people'), align: 'right', render: (_, a) => a.people ?? '—' },
          {
            key: 'built',
            title: t('adAudiences.refreshedAt'),
            render: (_, a) => (a.refreshedAt ? formatDateTime(a.refreshedAt, i18n.language) : '—'),
          },
          {
            key: 'push',
            title: t('adAudiences.delivery'),
            render: (_, a) => a.error ?? (a.pushUrl ? t('adAudiences.pushed') : t('adAudiences.file')),
          },
          {
            key: 'actions',
            title: '',
            render: (_, a) =>
              exporter && (
                <Space>
                  <Button size="small" href={`/api/v1/ad-audiences/${a.id}/file`}>
                    {t('adAudiences.download')}
                  </Button>
                  <Button size="small" onClick={() => rebuild.mutate(a.id)}>
                    {t('adAudiences.rebuild')}
                  </Button>
                  <Button size="small" danger onClick={() => remove.mutate(a.id)}>
                    {t('adAudiences.remove')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
    </Card>
  );
}
