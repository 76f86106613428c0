import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';

type SmsView = {
  configured: boolean;
  kind?: 'aliyun' | 'tencent';
  accessKeyId?: string;
  signName?: string;
  endpoint?: string | null;
  sdkAppId?: string | null;
  region?: string | null;
  concurrency?: number;
  callbackUrl?: string;
};

/** Aliyun or Tencent Cloud SMS: keys (the secret written once, never shown), the approved signature, the callback URL. */
export function SmsProviderCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const sms = useQuery({ queryKey: ['messaging-sms'], queryFn: () => api<SmsView>('/settings/messaging/sms') });
  const save = useMutation({
    mutationFn: (body: unknown) => api('/settings/messaging/sms', { method: 'PUT', body }),
    onSuccess: () => {
      message.success(t('messaging.saved'));
      client.invalidateQueries({ queryKey: ['messaging-sms'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const [form] = Form.useForm();
  const kind = Form.useWatch('kind', form) ?? sms.data?.kind ?? 'aliyun';
  if (!sms.data) return null;
  // An emptied field (text or number) is left out: the API takes it as not set.
  const blank = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
  return (
    <Card
      title={t('messaging.smsTitle')}
      size="small"
      extra={
        sms.data.configured ? <Tag color="green">{t(`messaging.smsProviders.${sms.data.kind}`)}</Tag> : <Tag>{t('messaging.sandbox')}</Tag>
      }
    >
      <Form
        form={form}
        layout="vertical"
        disabled={!can('settings.manage')}
        initialValues={{ kind: 'aliyun', ...sms.data }}
        onFinish={(v) =>
          save.mutate(
            Object.fromEntries(
              Object.entries({ ...v, configured: undefined, callbackUrl: undefined, hasSecret: undefined }).map(([k, x]) => [k, blank(x)]),
            ),
          )
        }
      >
        <Space wrap>
          <Form.Item name="kind" label={t('messaging.smsProvider')}>
            <Select
              style={{ width: 180 }}
              options={['aliyun', 'tencent', 'http'].map((k) => ({ value: k, label: t(`messaging.smsProviders.${k}`) }))}
            />
          </Form.Item>
          <Form.Item name="signName" label={t('messaging.smsSignName')} rules={[{ required: true }]}>
            <Input style={{ width: 180 }} />
          </Form.Item>
        </Space>
        <Space wrap>
          <Form.Item
            name="accessKeyId"
            label={kind === 'tencent' ? 'SecretId' : kind === 'http' ? t('messaging.gatewayKeyId') : 'AccessKey ID'}
            rules={[{ required: true }]}
          >
            <Input style={{ width: 240 }} />
          </Form.Item>
          <Form.Item
            name="secret"
            label={kind === 'tencent' ? 'SecretKey' : kind === 'http' ? t('messaging.gatewaySecret') : 'AccessKey Secret'}
            extra={sms.data.configured ? t('messaging.passwordKept') : undefined}
          >
            <Input.Password style={{ width: 240 }} autoComplete="new-password" />
          </Form.Item>
        </Space>
        {kind === 'tencent' && (
          <Space wrap>
            <Form.Item name="sdkAppId" label="SmsSdkAppId" rules={[{ required: true }]}>
              <Input style={{ width: 180 }} />
            </Form.Item>
            <Form.Item name="region" label={t('messaging.smsRegion')}>
              <Input style={{ width: 160 }} placeholder="ap-guangzhou" />
            </Form.Item>
          </Space>
        )}
        <Form.Item
          name="endpoint"
          label={kind === 'http' ? t('messaging.gatewayUrl') : t('messaging.smsEndpoint')}
          rules={[{ required: kind === 'http' }]}
          extra={kind === 'http' ? t('messaging.gatewayHelp') : undefined}
        >
          <Input
            placeholder={
              kind === 'tencent'
                ? 'sms.tencentcloudapi.com'
                : kind === 'http'
                  ? 'https://gateway.example.com/send'
                  : 'dysmsapi.aliyuncs.com'
            }
          />
        </Form.Item>
        <Form.Item name="concurrency" label={t('messaging.smsConcurrency')} extra={t('messaging.smsConcurrencyHelp')}>
          <InputNumber min={1} max={128} />
        </Form.Item>
        {sms.data.callbackUrl && (
          <Typography.Paragraph type="secondary">
            {t('messaging.smsCallback')} <Typography.Text copyable>{sms.data.callbackUrl}</Typography.Text>
          </Typography.Paragraph>
        )}
        <Space>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('messaging.save')}
          </Button>
          {sms.data.configured && <Button onClick={() => save.mutate(null)}>{t('messaging.useSandbox')}</Button>}
        </Space>
      </Form>
    </Card>
  );
}
