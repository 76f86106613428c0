import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, InputNumber, Space, Typography } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { analyticsModels, lifecycleThresholds } from '../../../../contracts/analytics.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';

type Thresholds = z.infer<typeof lifecycleThresholds>;
type Days = Omit<Thresholds, 'source'>;

/** Lifecycle stages by days since the last order: derived from the shop's purchase intervals, or fixed by hand. */
export function LifecycleCard({ readOnly }: { readOnly: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<Days>();
  const models = useQuery({ queryKey: ['analytics-models'], queryFn: () => api<z.infer<typeof analyticsModels>>('/analytics/models') });
  const current = models.data?.lifecycle;
  useEffect(() => {
    if (current) form.setFieldsValue(current);
  }, [current, form]);
  const save = useMutation({
    mutationFn: (body: Days | { derive: true }) => api<Thresholds>('/analytics/lifecycle', { method: 'PUT', body }),
    onSuccess: () => {
      message.success(t('lifecycle.saved'));
      client.invalidateQueries({ queryKey: ['analytics-models'] });
    },
    onError: (e: unknown) => message.error(errorMessage(t, e)),
  });
  return (
    <Card title={t('lifecycle.title')} style={{ maxWidth: 560, marginTop: 16 }} loading={models.isLoading}>
      <Typography.Paragraph type="secondary">{current ? t(`lifecycle.sources.${current.source}`) : ''}</Typography.Paragraph>
      <Form form={form} layout="inline" disabled={readOnly} onFinish={(v: Days) => save.mutate(v)}>
        {(['activeDays', 'atRiskDays', 'lapsedDays'] as const).map((k) => (
          <Form.Item key={k} name={k} label={t(`lifecycle.${k}`)} rules={[{ required: true }]}>
            <InputNumber min={1} max={7300} style={{ width: 90 }} />
          </Form.Item>
        ))}
      </Form>
      <Space style={{ marginTop: 12 }}>
        <Button type="primary" disabled={readOnly} loading={save.isPending} onClick={() => form.submit()}>
          {t('common.save')}
        </Button>
        <Button disabled={readOnly} onClick={() => save.mutate({ derive: true })}>
          {t('lifecycle.derive')}
        </Button>
      </Space>
    </Card>
  );
}
