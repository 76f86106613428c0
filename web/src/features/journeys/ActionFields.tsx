import { useQuery } from '@tanstack/react-query';
import { Form, Input, InputNumber, Select, Space, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { attributeList } from '../../../../contracts/customers.ts';
import type { JourneyStep } from '../../../../contracts/journeys.ts';
import { TICKET_PRIORITIES, TICKET_TYPES } from '../../../../contracts/service.ts';
import { api } from '../../lib/api.ts';

type Definition = z.infer<typeof attributeList>['items'][number];
type Action = Extract<JourneyStep, { type: 'attribute' | 'points' | 'ticket' | 'webhook' }>;

export const isAction = (step: JourneyStep): step is Action =>
  step.type === 'attribute' || step.type === 'points' || step.type === 'ticket' || step.type === 'webhook';

/** The value of a custom attribute, edited as its type says; empty clears it (null). */
function AttributeValue({
  def,
  value,
  onChange,
}: {
  def?: Definition;
  value: unknown;
  onChange: (v: string | number | boolean | null) => void;
}) {
  if (def?.type === 'number')
    return (
      <InputNumber
        data-testid="step-attribute-value"
        value={typeof value === 'number' ? value : null}
        onChange={(v) => onChange(v ?? null)}
      />
    );
  if (def?.type === 'boolean') return <Switch data-testid="step-attribute-value" checked={value === true} onChange={onChange} />;
  if (def?.type === 'enum')
    return (
      <Select
        data-testid="step-attribute-value"
        allowClear
        style={{ minWidth: 160 }}
        value={typeof value === 'string' ? value : undefined}
        onChange={(v) => onChange(v ?? null)}
        options={def.options.map((o) => ({ value: o, label: o }))}
      />
    );
  return (
    <Input
      data-testid="step-attribute-value"
      placeholder={def?.type === 'date' ? 'YYYY-MM-DD' : undefined}
      value={typeof value === 'string' ? value : ''}
      onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}
    />
  );
}

/** The settings of a step that changes something outside the journey: an attribute, points, a ticket, a webhook. */
export function ActionFields({ step, onChange }: { step: Action; onChange: (s: JourneyStep) => void }) {
  const { t } = useTranslation();
  const attributes = useQuery({
    queryKey: ['attributes'],
    queryFn: () => api<{ items: Definition[] }>('/attributes'),
    enabled: step.type === 'attribute',
  });
  switch (step.type) {
    case 'attribute':
      return (
        <Space wrap>
          <Form.Item label={t('journeys.fields.attributeKey')}>
            <Select
              data-testid="step-attribute"
              style={{ minWidth: 180 }}
              value={step.key || undefined}
              onChange={(key) => onChange({ ...step, key, value: null })}
              options={(attributes.data?.items ?? []).map((a) => ({ value: a.key, label: a.label }))}
            />
          </Form.Item>
          <Form.Item label={t('journeys.fields.attributeValue')} extra={t('journeys.fields.attributeHelp')}>
            <AttributeValue
              def={attributes.data?.items.find((a) => a.key === step.key)}
              value={step.value}
              onChange={(value) => onChange({ ...step, value })}
            />
          </Form.Item>
        </Space>
      );
    case 'points':
      return (
        <>
          <Form.Item label={t('journeys.fields.points')} extra={t('journeys.fields.pointsHelp')}>
            <InputNumber
              data-testid="step-points"
              min={1}
              value={step.points}
              onChange={(v) => onChange({ ...step, points: Number(v ?? 1) })}
            />
          </Form.Item>
          <Form.Item label={t('journeys.fields.pointsReason')}>
            <Input data-testid="step-points-reason" value={step.reason} onChange={(e) => onChange({ ...step, reason: e.target.value })} />
          </Form.Item>
        </>
      );
    case 'ticket':
      return (
        <>
          <Form.Item label={t('journeys.fields.ticketSubject')}>
            <Input
              data-testid="step-ticket-subject"
              value={step.subject}
              onChange={(e) => onChange({ ...step, subject: e.target.value })}
            />
          </Form.Item>
          <Form.Item label={t('journeys.fields.ticketBody')}>
            <Input.TextArea rows={3} value={step.body} onChange={(e) => onChange({ ...step, body: e.target.value })} />
          </Form.Item>
          <Space>
            <Form.Item label={t('journeys.fields.ticketType')}>
              <Select
                style={{ width: 140 }}
                value={step.ticketType}
                onChange={(ticketType) => onChange({ ...step, ticketType })}
                options={TICKET_TYPES.map((x) => ({ value: x, label: t(`service.types.${x}`) }))}
              />
            </Form.Item>
            <Form.Item label={t('journeys.fields.ticketPriority')}>
              <Select
                style={{ width: 120 }}
                value={step.priority}
                onChange={(priority) => onChange({ ...step, priority })}
                options={TICKET_PRIORITIES.map((x) => ({ value: x, label: t(`service.priorities.${x}`) }))}
              />
            </Form.Item>
          </Space>
        </>
      );
    case 'webhook':
      return (
        <Form.Item label={t('journeys.fields.webhookName')} extra={t('journeys.fields.webhookHelp')}>
          <Input data-testid="step-webhook-name" value={step.name} onChange={(e) => onChange({ ...step, name: e.target.value })} />
        </Form.Item>
      );
  }
}
