import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Col, Descriptions, Drawer, Form, Input, InputNumber, Row, Select, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { RenderedMessage, TemplateBody, templateView } from '../../../../contracts/messaging.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';

export type Template = z.infer<typeof templateView>;
const LANGUAGES = ['zh-CN', 'en'] as const;
/** What a template can print (LiquidJS); amounts through the money filter. */
const VARIABLES = [
  'customer.name',
  'customer.first_name',
  'metrics.clv | money',
  'metrics.orders_count',
  'order.id',
  'order.total | money',
  'coupon.code',
  'store.name',
  'unsubscribe_url',
];

type FormValues = TemplateBody & { providerCode?: string; providerParams?: { name: string; value: string }[] };

/** The provider template as the form edits it: a code and a list of parameters. */
const toForm = (t: TemplateBody): FormValues => ({
  ...t,
  providerCode: t.providerTemplate?.code,
  providerParams: Object.entries(t.providerTemplate?.params ?? {}).map(([name, value]) => ({ name, value })),
});

const fromForm = ({ providerCode, providerParams, ...t }: FormValues): TemplateBody => ({
  ...t,
  providerTemplate:
    t.channel === 'sms' && providerCode
      ? { code: providerCode, params: Object.fromEntries((providerParams ?? []).map((p) => [p.name, p.value])) }
      : undefined,
});

export const EMPTY_TEMPLATE: TemplateBody = {
  key: '',
  name: '',
  channel: 'sms',
  purpose: 'marketing',
  body: { 'zh-CN': '', en: '' },
  quietHours: true,
};

/** What a recipient would get: the e-mail in a sandboxed frame, or the SMS with its length and parts. */
export function RenderedView({ rendered }: { rendered: RenderedMessage }) {
  const { t } = useTranslation();
  if (rendered.sms) {
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', background: '#f5f5f5', padding: 12, borderRadius: 8 }}>
          {rendered.text}
        </Typography.Paragraph>
        <Typography.Text type="secondary">
          {t('messaging.smsCount', {
            characters: rendered.sms.characters,
            parts: rendered.sms.parts,
            encoding: rendered.sms.encoding.toUpperCase(),
          })}
        </Typography.Text>
      </Space>
    );
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 's', label: t('messaging.subject'), children: rendered.subject },
          { key: 'p', label: t('messaging.preheader'), children: rendered.preheader ?? '—' },
        ]}
      />
      <iframe
        title={t('messaging.preview')}
        sandbox=""
        srcDoc={rendered.html ?? ''}
        style={{ width: '100%', height: 320, border: '1px solid #eee', borderRadius: 8 }}
      />
    </Space>
  );
}

/** Create or change a template: both languages side by side, a preview as a chosen customer would get it. */
export function TemplateEditor({ initial, onClose }: { initial: TemplateBody; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<TemplateBody>();
  const [customerId, setCustomerId] = useState<number | null>(null);
  const [language, setLanguage] = useState<'zh-CN' | 'en'>('zh-CN');
  const [rendered, setRendered] = useState<RenderedMessage | null>(null);
  const channel = Form.useWatch('channel', form) ?? initial.channel;
  const current = () => fromForm({ ...toForm(initial), ...form.getFieldsValue(true) });
  const preview = useMutation({
    mutationFn: () =>
      api<RenderedMessage>('/message-templates/preview', {
        method: 'POST',
        body: { template: current(), customerId: customerId ?? undefined, language },
      }),
    onSuccess: setRendered,
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const [testTo, setTestTo] = useState('');
  const testSend = useMutation({
    mutationFn: () =>
      api<{ status: 'sent' | 'failed'; provider: string; error: string | null }>('/message-templates/test-send', {
        method: 'POST',
        body: { template: current(), customerId: customerId ?? undefined, language, to: testTo },
      }),
    onSuccess: (r) =>
      r.status === 'sent'
        ? message.success(t('messaging.testSent', { provider: r.provider }))
        : message.error(t('messaging.testFailed', { error: r.error ?? '' })),
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const save = useMutation({
    mutationFn: (body: TemplateBody) => api(`/message-templates/${encodeURIComponent(body.key)}`, { method: 'PUT', body }),
    onSuccess: () => {
      message.success(t('messaging.saved'));
      client.invalidateQueries({ queryKey: ['message-templates'] });
      onClose();
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  return (
    <Drawer open width={960} title={initial.key ? initial.name : t('messaging.newTemplate')} onClose={onClose} destroyOnHidden>
      <Form
        form={form}
        layout="vertical"
        initialValues={toForm(initial)}
        onFinish={(v) => save.mutate(fromForm({ ...toForm(initial), ...v }))}
      >
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item name="key" label={t('messaging.key')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9._-]{1,79}$/ }]}>
              <Input disabled={Boolean(initial.key)} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="name" label={t('messaging.name')} rules={[{ required: true }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={4}>
            <Form.Item name="channel" label={t('messaging.channel')}>
              <Select options={['sms', 'email'].map((c) => ({ value: c, label: t(`messaging.channels.${c}`) }))} />
            </Form.Item>
          </Col>
          <Col span={4}>
            <Form.Item name="purpose" label={t('messaging.purpose')}>
              <Select options={['marketing', 'transactional'].map((p) => ({ value: p, label: t(`messaging.purposes.${p}`) }))} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="quietHours" label={t('messaging.keepsQuietHours')} valuePropName="checked">
          <Switch />
        </Form.Item>
        {channel === 'sms' && (
          <>
            <Form.Item name="providerCode" label={t('messaging.providerCode')} extra={t('messaging.providerCodeHelp')}>
              <Input style={{ width: 240 }} />
            </Form.Item>
            <Form.List name="providerParams">
              {(items, { add, remove }) => (
                <Space direction="vertical" style={{ marginBottom: 16 }}>
                  {items.map((item) => (
                    <Space key={item.key}>
                      <Form.Item name={[item.name, 'name']} noStyle rules={[{ required: true }]}>
                        <Input placeholder={t('messaging.paramName')} style={{ width: 160 }} />
                      </Form.Item>
                      <Form.Item name={[item.name, 'value']} noStyle rules={[{ required: true }]}>
                        <Input placeholder="{{ order.id }}" style={{ width: 320 }} />
                      </Form.Item>
                      <Button onClick={() => remove(item.name)}>{t('common.delete')}</Button>
                    </Space>
                  ))}
                  <Button onClick={() => add({ name: '', value: '' })}>{t('messaging.addParam')}</Button>
                </Space>
              )}
            </Form.List>
          </>
        )}
        <Row gutter={16}>
          {LANGUAGES.map((lng) => (
            <Col span={12} key={lng}>
              <Typography.Title level={5}>{t(`messaging.languages.${lng}`)}</Typography.Title>
              {channel === 'email' && (
                <>
                  <Form.Item name={['subject', lng]} label={t('messaging.subject')} rules={[{ required: true }]}>
                    <Input />
                  </Form.Item>
                  <Form.Item name={['preheader', lng]} label={t('messaging.preheader')}>
                    <Input />
                  </Form.Item>
                </>
              )}
              <Form.Item
                name={['body', lng]}
                label={t(channel === 'email' ? 'messaging.htmlBody' : 'messaging.smsBody')}
                rules={[{ required: true }]}
              >
                <Input.TextArea rows={channel === 'email' ? 10 : 4} />
              </Form.Item>
            </Col>
          ))}
        </Row>
        <Typography.Paragraph type="secondary">
          {t('messaging.variablesHelp')}{' '}
          {VARIABLES.map((v) => (
            <Typography.Text key={v} code>
              {`{{ ${v} }}`}
            </Typography.Text>
          ))}
        </Typography.Paragraph>
        <Space wrap style={{ marginBottom: 16 }}>
          <InputNumber
            min={1}
            placeholder={t('messaging.previewCustomer')}
            value={customerId}
            onChange={(v) => setCustomerId(v)}
            style={{ width: 200 }}
          />
          <Select
            value={language}
            onChange={setLanguage}
            options={LANGUAGES.map((l) => ({ value: l, label: t(`messaging.languages.${l}`) }))}
            style={{ width: 140 }}
          />
          <Button onClick={() => preview.mutate()} loading={preview.isPending} data-testid="template-preview">
            {t('messaging.preview')}
          </Button>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('messaging.save')}
          </Button>
        </Space>
        <Space.Compact style={{ marginBottom: 16, width: 420 }}>
          <Input
            value={testTo}
            onChange={(e) => setTestTo(e.target.value)}
            placeholder={t(channel === 'email' ? 'messaging.testToEmail' : 'messaging.testToPhone')}
            data-testid="template-test-to"
          />
          <Button onClick={() => testSend.mutate()} loading={testSend.isPending} disabled={!testTo.trim()} data-testid="template-test-send">
            {t('messaging.testSend')}
          </Button>
        </Space.Compact>
      </Form>
      {rendered && <RenderedView rendered={rendered} />}
    </Drawer>
  );
}
