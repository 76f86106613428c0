import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, InputNumber, Space, Typography } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { AttributionSettings } from '../../../../contracts/campaigns.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';

/** How orders are credited to campaigns (windows per touch) and what an SMS part costs. */
export function AttributionCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [form] = Form.useForm<AttributionSettings>();
  const settings = useQuery({
    queryKey: ['attribution'],
    queryFn: () => api<AttributionSettings>('/settings/attribution'),
    enabled: can('settings.read'),
  });
  useEffect(() => {
    if (settings.data) form.setFieldsValue(settings.data);
  }, [settings.data, form]);
  const save = useMutation({
    mutationFn: (v: AttributionSettings) => api('/settings/attribution', { method: 'PUT', body: v }),
    onSuccess: () => {
      message.success(t('attribution.saved'));
      client.invalidateQueries({ queryKey: ['attribution'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  if (!can('settings.read')) return null;
  const hours = (name: keyof AttributionSettings, min: number) => (
    <Form.Item name={name} label={t(`attribution.${name}`)}>
      <InputNumber min={min} max={720} addonAfter={t('campaigns.hours')} />
    </Form.Item>
  );
  return (
    <Card title={t('attribution.title')} style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">{t('attribution.intro')}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)} disabled={!can('settings.manage')}>
        <Space wrap>
          {hours('emailHours', 1)}
          {hours('smsClickHours', 1)}
          {hours('smsDeliveredHours', 0)}
          <Form.Item name="smsPricePerPart" label={t('attribution.smsPricePerPart')}>
            <InputNumber min={0} max={100} step={0.001} />
          </Form.Item>
        </Space>
        <div>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('attribution.save')}
          </Button>
        </div>
      </Form>
    </Card>
  );
}
