import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, DatePicker, Form, Input, InputNumber, Modal, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { CouponTemplateBody, CouponTemplateView, batchView } from '../../../../contracts/loyalty.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatMoney, formatNumber } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';

type Batch = z.infer<typeof batchView>;
type TemplateForm = Omit<CouponTemplateBody, 'validFrom' | 'validTo' | 'amount' | 'cap' | 'minSpend'> & {
  amount?: number;
  cap?: number | null;
  minSpend?: number;
  validity?: [Dayjs, Dayjs] | null;
};

const yuanToFen = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 100));

function Batches({ templateId }: { templateId: number }) {
  const { t, i18n } = useTranslation();
  const batches = useQuery({
    queryKey: ['coupons', 'batches', templateId],
    queryFn: () => api<Batch[]>(`/coupons/templates/${templateId}/batches`),
  });
  return (
    <Table
      size="small"
      pagination={false}
      rowKey="id"
      dataSource={batches.data}
      columns={[
        { title: '#', dataIndex: 'id' },
        { title: t('coupons.size'), dataIndex: 'size', render: (n: number) => formatNumber(n, i18n.language) },
        { title: t('coupons.createdBy'), dataIndex: 'createdBy' },
        { title: t('coupons.createdAt'), dataIndex: 'createdAt', render: (v: string) => new Date(v).toLocaleString(i18n.language) },
        {
          key: 'csv',
          render: (_: unknown, b: Batch) => (
            <a href={`/api/v1/coupons/batches/${b.id}/codes.csv`} download>
              {t('coupons.downloadCodes')}
            </a>
          ),
        },
      ]}
    />
  );
}

/** Coupon templates (what a code gives, to whom, when), their batches of codes and how they were used. */
export function CouponsTab() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const currency = useCurrency();
  const client = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [batchFor, setBatchFor] = useState<CouponTemplateView | null>(null);
  const [form] = Form.useForm<TemplateForm>();
  const [batchForm] = Form.useForm<{ count: number; code?: string; prefix?: string }>();
  const templates = useQuery({ queryKey: ['coupons', 'templates'], queryFn: () => api<CouponTemplateView[]>('/coupons/templates') });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const create = useMutation({
    mutationFn: (v: TemplateForm) =>
      api('/coupons/templates', {
        method: 'POST',
        body: {
          ...v,
          validity: undefined,
          amount: yuanToFen(v.amount) ?? 0,
          cap: yuanToFen(v.cap),
          minSpend: yuanToFen(v.minSpend) ?? 0,
          validFrom: v.validity?.[0]?.toISOString() ?? null,
          validTo: v.validity?.[1]?.toISOString() ?? null,
        },
      }),
    onSuccess: () => {
      setCreating(false);
      form.resetFields();
      client.invalidateQueries({ queryKey: ['coupons'] });
    },
    onError,
  });
  const batch = useMutation({
    mutationFn: (v: { count: number; code?: string; prefix?: string }) =>
      api(`/coupons/templates/${batchFor?.id}/batches`, {
        method: 'POST',
        body: v.code ? { code: v.code } : { count: v.count, prefix: v.prefix ?? '' },
      }),
    onSuccess: () => {
      message.success(t('coupons.batchCreated'));
      setBatchFor(null);
      batchForm.resetFields();
      client.invalidateQueries({ queryKey: ['coupons'] });
    },
    onError,
  });
  const money = (v: number) => formatMoney(v, currency, i18n.language);
  const kind = Form.useWatch('kind', form);
  const describe = (x: CouponTemplateView) =>
    x.kind === 'fixed'
      ? t('coupons.offFixed', { amount: money(x.amount) })
      : x.kind === 'percent'
        ? t('coupons.offPercent', { percent: x.percent, cap: x.cap === null ? '—' : money(x.cap) })
        : t('coupons.kinds.free_shipping');
  return (
    <Card
      extra={
        can('loyalty.write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('coupons.newTemplate')}
          </Button>
        )
      }
    >
      <Table
        rowKey="id"
        size="small"
        loading={templates.isLoading}
        dataSource={templates.data}
        expandable={{ expandedRowRender: (x) => <Batches templateId={x.id} /> }}
        columns={[
          { title: t('coupons.name'), dataIndex: 'name', render: (v: string, x) => (x.archived ? <Tag>{v}</Tag> : v) },
          { title: t('coupons.benefit'), key: 'benefit', render: (_: unknown, x) => describe(x) },
          { title: t('coupons.minSpend'), dataIndex: 'minSpend', render: money },
          {
            title: t('coupons.channels'),
            dataIndex: 'channels',
            render: (c: string[]) => (c.length === 0 ? t('coupons.everywhere') : c.join(', ')),
          },
          { title: t('coupons.codes'), dataIndex: 'codes', align: 'right', render: (n: number) => formatNumber(n, i18n.language) },
          {
            title: t('coupons.redemptions'),
            dataIndex: 'redemptions',
            align: 'right',
            render: (n: number) => formatNumber(n, i18n.language),
          },
          { title: t('coupons.discount'), dataIndex: 'discount', align: 'right', render: money },
          {
            key: 'actions',
            render: (_: unknown, x) =>
              can('loyalty.write') && !x.archived ? (
                <Button size="small" onClick={() => setBatchFor(x)}>
                  {t('coupons.newBatch')}
                </Button>
              ) : null,
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('coupons.newTemplate')}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ kind: 'fixed', usesPerCode: 1 }} onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t('coupons.name')} rules={[{ required: true }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="kind" label={t('coupons.kind')}>
            <Select options={(['fixed', 'percent', 'free_shipping'] as const).map((k) => ({ value: k, label: t(`coupons.kinds.${k}`) }))} />
          </Form.Item>
          {kind === 'fixed' && (
            <Form.Item name="amount" label={t('coupons.amount')} rules={[{ required: true }]}>
              <InputNumber min={0.01} step={1} addonAfter={t('loyalty.yuan')} />
            </Form.Item>
          )}
          {kind === 'percent' && (
            <Space>
              <Form.Item name="percent" label={t('coupons.percent')} rules={[{ required: true }]}>
                <InputNumber min={1} max={99} addonAfter="%" />
              </Form.Item>
              <Form.Item name="cap" label={t('coupons.cap')}>
                <InputNumber min={1} addonAfter={t('loyalty.yuan')} />
              </Form.Item>
            </Space>
          )}
          <Space wrap>
            <Form.Item name="minSpend" label={t('coupons.minSpend')}>
              <InputNumber min={0} addonAfter={t('loyalty.yuan')} />
            </Form.Item>
            <Form.Item name="usesPerCode" label={t('coupons.usesPerCode')}>
              <InputNumber min={1} />
            </Form.Item>
            <Form.Item name="perCustomerLimit" label={t('coupons.perCustomerLimit')}>
              <InputNumber min={1} />
            </Form.Item>
            <Form.Item name="validDays" label={t('coupons.validDays')}>
              <InputNumber min={1} addonAfter={t('loyalty.days')} />
            </Form.Item>
          </Space>
          <Form.Item name="validity" label={t('coupons.validity')}>
            <DatePicker.RangePicker showTime />
          </Form.Item>
          <Form.Item name="channels" label={t('coupons.channels')} extra={t('coupons.channelsHelp')}>
            <Select mode="tags" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={batchFor !== null}
        title={t('coupons.newBatchFor', { name: batchFor?.name })}
        onCancel={() => setBatchFor(null)}
        onOk={() => batchForm.submit()}
        confirmLoading={batch.isPending}
        destroyOnHidden
      >
        <Form form={batchForm} layout="vertical" initialValues={{ count: 1000 }} onFinish={(v) => batch.mutate(v)}>
          <Form.Item name="count" label={t('coupons.count')} extra={t('coupons.countHelp')}>
            <InputNumber min={1} max={1_000_000} />
          </Form.Item>
          <Form.Item name="prefix" label={t('coupons.prefix')} rules={[{ pattern: /^[A-Z0-9]{0,8}$/ }]}>
            <Input maxLength={8} />
          </Form.Item>
          <Form.Item name="code" label={t('coupons.ownCode')} extra={t('coupons.ownCodeHelp')} rules={[{ pattern: /^[A-Z0-9-]{4,32}$/ }]}>
            <Input maxLength={32} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
