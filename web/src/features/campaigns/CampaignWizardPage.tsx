import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Space,
  Statistic,
  Steps,
  TimePicker,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import type { z } from 'zod';
import { type CampaignInput, type CampaignView, type campaignEstimate, variantName } from '../../../../contracts/campaigns.ts';
import type { TemplateBody } from '../../../../contracts/messaging.ts';
import type { segmentList } from '../../../../contracts/segments.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatMoney } from '../../lib/format.ts';
import { useCurrency } from '../../lib/store.ts';
import { type Template, TemplateEditor } from '../messaging/TemplateEditor.tsx';
import { useOpenSurveyOptions } from '../surveys/openSurveys.ts';

type Estimate = z.infer<typeof campaignEstimate>;
type Channel = CampaignInput['channel'];
type Values = {
  name: string;
  segments: number[];
  exclude: number[];
  notContactedDays: number | null;
  channel: Channel;
  variants: { email: string | null; sms: string | null; delayMinutes: number }[];
  testPercent: number;
  testHours: number;
  testMetric: 'click_rate' | 'conversion_rate' | 'revenue_per_recipient';
  mode: 'now' | 'at' | 'local';
  at: dayjs.Dayjs | null;
  localDate: dayjs.Dayjs | null;
  localTime: dayjs.Dayjs | null;
  throttlePerMinute: number | null;
  holdoutPercent: number;
  couponCodes: string;
  surveyId: number | null;
};

const DEFAULTS: Values = {
  name: '',
  segments: [],
  exclude: [],
  notContactedDays: null,
  channel: 'sms',
  variants: [{ email: null, sms: null, delayMinutes: 0 }],
  testPercent: 20,
  testHours: 4,
  testMetric: 'click_rate',
  mode: 'now',
  at: null,
  localDate: null,
  localTime: null,
  throttlePerMinute: null,
  holdoutPercent: 10,
  couponCodes: '',
  surveyId: null,
};

/** The form's values as the API's campaign body. */
function toBody(v: Values): CampaignInput {
  const schedule =
    v.mode === 'at' && v.at
      ? { mode: 'at' as const, at: v.at.toISOString() }
      : v.mode === 'local' && v.localDate && v.localTime
        ? { mode: 'local' as const, date: v.localDate.format('YYYY-MM-DD'), time: v.localTime.format('HH:mm') }
        : { mode: 'now' as const };
  return {
    name: v.name,
    audience: { segments: v.segments, exclude: v.exclude, notContactedDays: v.notContactedDays || null },
    channel: v.channel,
    variants: v.variants.map((x) => ({ email: x.email || null, sms: x.sms || null, delayMinutes: x.delayMinutes ?? 0 })),
    schedule,
    throttlePerMinute: v.throttlePerMinute || null,
    holdoutPercent: v.holdoutPercent ?? 0,
    surveyId: v.surveyId ?? null,
    test: v.variants.length > 1 ? { percent: v.testPercent, hours: v.testHours, metric: v.testMetric } : null,
  };
}

function toValues(c: CampaignView): Values {
  const d = c.definition;
  const s = d.schedule;
  return {
    ...DEFAULTS,
    name: d.name,
    segments: d.audience.segments,
    exclude: d.audience.exclude,
    notContactedDays: d.audience.notContactedDays,
    channel: d.channel,
    variants: d.variants,
    testPercent: d.test?.percent ?? DEFAULTS.testPercent,
    testHours: d.test?.hours ?? DEFAULTS.testHours,
    testMetric: d.test?.metric ?? DEFAULTS.testMetric,
    mode: s.mode,
    at: s.mode === 'at' ? dayjs(s.at) : null,
    localDate: s.mode === 'local' ? dayjs(s.date) : null,
    localTime: s.mode === 'local' ? dayjs(`2000-01-01T${s.time}`) : null,
    throttlePerMinute: d.throttlePerMinute,
    holdoutPercent: d.holdoutPercent,
    surveyId: d.surveyId,
  };
}

const channelsOf = (c: Channel) => (c === 'email_then_sms' ? (['email', 'sms'] as const) : ([c] as const));

/** The review: reach per channel, who is left out and why, the SMS cost, the coupon pool. */
function Review({ estimate }: { estimate: Estimate }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const reach = (channel: 'email' | 'sms') => {
    const r = estimate[channel];
    if (!r) return null;
    return (
      <Descriptions
        size="small"
        bordered
        column={1}
        title={t(`campaigns.channels.${channel}`)}
        items={[
          { key: 'r', label: t('campaigns.reachable'), children: r.reachable },
          ...(['no_contact', 'suppressed', 'no_consent'] as const).map((k) => ({
            key: k,
            label: t(`campaigns.excludedBy.${k}`),
            children: r.excluded[k],
          })),
        ]}
      />
    );
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="campaign-review">
      <Space size="large" wrap>
        <Statistic title={t('campaigns.members')} value={estimate.members} />
        <Statistic title={t('campaigns.willReceive')} value={estimate.total} valueStyle={{ color: '#389e0d' }} />
        <Statistic title={t('campaigns.excludedBy.segments')} value={estimate.excluded.segments} />
        <Statistic title={t('campaigns.excludedBy.recentlyContacted')} value={estimate.excluded.recentlyContacted} />
        <Statistic title={t('campaigns.excludedBy.holdout')} value={estimate.excluded.holdout} />
        {estimate.sms_cost && (
          <Statistic
            title={t('campaigns.smsCost', { parts: estimate.sms_cost.parts })}
            value={formatMoney(estimate.sms_cost.amount, currency, i18n.language)}
          />
        )}
      </Space>
      <Space align="start" wrap>
        {reach('email')}
        {reach('sms')}
      </Space>
      {estimate.couponCodesShort > 0 && (
        <Alert type="warning" showIcon message={t('campaigns.couponsShort', { n: estimate.couponCodesShort })} />
      )}
      <Typography.Text type="secondary">{t('campaigns.capsNote')}</Typography.Text>
    </Space>
  );
}

/** A new campaign, or a draft: audience → content → schedule → review (reach, exclusions, cost), then send. */
export function CampaignWizardPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const params = useParams();
  const [id, setId] = useState<number | null>(params.id ? Number(params.id) : null);
  const [step, setStep] = useState(0);
  const [form] = Form.useForm<Values>();
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [writing, setWriting] = useState<TemplateBody | null>(null);
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api<z.infer<typeof segmentList>>('/segments') });
  const templates = useQuery({ queryKey: ['message-templates'], queryFn: () => api<{ items: Template[] }>('/message-templates') });
  const surveys = useOpenSurveyOptions();
  const existing = useQuery({ queryKey: ['campaign', id], queryFn: () => api<CampaignView>(`/campaigns/${id}`), enabled: id !== null });
  useEffect(() => {
    if (existing.data) form.setFieldsValue(toValues(existing.data));
  }, [existing.data, form]);
  const channel = Form.useWatch('channel', form) ?? DEFAULTS.channel;
  const variants = Form.useWatch('variants', form) ?? DEFAULTS.variants;
  const mode = Form.useWatch('mode', form) ?? DEFAULTS.mode;
  const fail = (e: unknown) => message.error(errorMessage(t, e));

  const values = () => ({ ...DEFAULTS, ...form.getFieldsValue(true) }) as Values;
  const save = useMutation({
    mutationFn: async () => {
      const v = values();
      const body = toBody(v);
      const saved = await api<CampaignView>(id === null ? '/campaigns' : `/campaigns/${id}`, {
        method: id === null ? 'POST' : 'PUT',
        body,
      });
      const codes = v.couponCodes
        .split(/[\s,;]+/)
        .map((c) => c.trim())
        .filter(Boolean);
      if (codes.length > 0) {
        await api(`/campaigns/${saved.id}/coupon-codes`, { method: 'POST', body: { codes } });
        form.setFieldValue('couponCodes', '');
      }
      return saved;
    },
    onError: fail,
  });
  const review = async () => {
    const saved = await save.mutateAsync();
    setId(saved.id);
    client.invalidateQueries({ queryKey: ['campaigns'] });
    setEstimate(await api<Estimate>(`/campaigns/${saved.id}/estimate`));
    setStep(3);
  };
  const send = useMutation({
    mutationFn: () => api<CampaignView>(`/campaigns/${id}/send`, { method: 'POST' }),
    onSuccess: (c) => {
      client.invalidateQueries({ queryKey: ['campaigns'] });
      navigate(`/marketing/${c.id}`);
    },
    onError: fail,
  });
  const next = async () => {
    const fields: (keyof Values)[][] = [['name', 'segments'], ['channel', 'variants'], ['mode']];
    await form.validateFields(fields[step]);
    if (step === 2) await review().catch(() => undefined);
    else setStep(step + 1);
  };
  const segmentOptions = (segments.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.size})` }));
  const templateOptions = (c: 'email' | 'sms') =>
    (templates.data?.items ?? []).filter((x) => x.channel === c).map((x) => ({ value: x.key, label: `${x.name} · ${x.key}` }));
  const writeNew = (c: 'email' | 'sms', index: number) =>
    setWriting({
      key: `campaign-${Date.now().toString(36)}-${c}-${index + 1}`,
      name: `${values().name || t('campaigns.title')} ${variantName(index)}`,
      channel: c,
      purpose: 'marketing',
      ...(c === 'email' ? { subject: { 'zh-CN': '', en: '' } } : {}),
      body: { 'zh-CN': '', en: '' },
      quietHours: true,
    });

  return (
    <Card title={id === null ? t('campaigns.new') : t('campaigns.edit')}>
      <Steps
        current={step}
        style={{ marginBottom: 24 }}
        items={['audience', 'content', 'schedule', 'review'].map((s) => ({ title: t(`campaigns.steps.${s}`) }))}
      />
      <Form form={form} layout="vertical" initialValues={DEFAULTS} style={{ maxWidth: 900 }}>
        <div style={{ display: step === 0 ? 'block' : 'none' }}>
          <Form.Item name="name" label={t('campaigns.name')} rules={[{ required: true, max: 200 }]}>
            <Input data-testid="campaign-name" />
          </Form.Item>
          <Form.Item name="segments" label={t('campaigns.segments')} rules={[{ required: true }]}>
            <Select mode="multiple" options={segmentOptions} data-testid="campaign-segments" optionFilterProp="label" />
          </Form.Item>
          <Form.Item name="exclude" label={t('campaigns.exclude')}>
            <Select mode="multiple" options={segmentOptions} optionFilterProp="label" />
          </Form.Item>
          <Form.Item name="notContactedDays" label={t('campaigns.notContactedDays')}>
            <InputNumber min={1} max={365} addonAfter={t('campaigns.days')} />
          </Form.Item>
        </div>
        <div style={{ display: step === 1 ? 'block' : 'none' }}>
          <Form.Item name="channel" label={t('campaigns.channel')}>
            <Radio.Group data-testid="campaign-channel">
              {(['email', 'sms', 'email_then_sms'] as const).map((c) => (
                <Radio.Button key={c} value={c}>
                  {t(`campaigns.channels.${c}`)}
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
          <Form.List name="variants">
            {(fields, { add, remove }) => (
              <Space direction="vertical" style={{ width: '100%' }}>
                {fields.map((f, index) => (
                  <Card
                    key={f.key}
                    size="small"
                    title={t('campaigns.variant', { name: variantName(index) })}
                    extra={fields.length > 1 && <Button onClick={() => remove(f.name)}>{t('campaigns.removeVariant')}</Button>}
                  >
                    {channelsOf(channel).map((c) => (
                      <Space key={c} align="end">
                        <Form.Item name={[f.name, c]} label={t(`campaigns.template.${c}`)} rules={[{ required: true }]}>
                          <Select style={{ width: 360 }} options={templateOptions(c)} data-testid={`variant-${index}-${c}`} />
                        </Form.Item>
                        <Form.Item>
                          <Button onClick={() => writeNew(c, index)}>{t('campaigns.writeNew')}</Button>
                        </Form.Item>
                      </Space>
                    ))}
                    <Form.Item name={[f.name, 'delayMinutes']} label={t('campaigns.delay')} initialValue={0}>
                      <InputNumber min={0} max={10080} addonAfter={t('campaigns.minutes')} />
                    </Form.Item>
                  </Card>
                ))}
                {fields.length < 4 && (
                  <Button onClick={() => add({ email: null, sms: null, delayMinutes: 0 })} data-testid="variant-add">
                    {t('campaigns.addVariant')}
                  </Button>
                )}
              </Space>
            )}
          </Form.List>
          {variants.length > 1 && (
            <Card size="small" title={t('campaigns.abTest')} style={{ marginTop: 16 }}>
              <Space wrap>
                <Form.Item name="testPercent" label={t('campaigns.testPercent')}>
                  <InputNumber min={2} max={50} addonAfter="%" />
                </Form.Item>
                <Form.Item name="testHours" label={t('campaigns.testHours')}>
                  <InputNumber min={1} max={168} addonAfter={t('campaigns.hours')} />
                </Form.Item>
                <Form.Item name="testMetric" label={t('campaigns.testMetric')}>
                  <Select
                    style={{ width: 220 }}
                    options={(['click_rate', 'conversion_rate', 'revenue_per_recipient'] as const).map((m) => ({
                      value: m,
                      label: t(`campaigns.metrics.${m}`),
                    }))}
                  />
                </Form.Item>
              </Space>
            </Card>
          )}
          <Form.Item
            name="couponCodes"
            label={t('campaigns.couponCodes')}
            style={{ marginTop: 16 }}
            extra={t('campaigns.couponCodesHelp', { variable: '{{ coupon.code }}' })}
          >
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item name="surveyId" label={t('campaigns.survey')} extra={t('campaigns.surveyHelp', { variable: '{{ survey_url }}' })}>
            <Select allowClear data-testid="campaign-survey" style={{ width: 320 }} options={surveys} />
          </Form.Item>
        </div>
        <div style={{ display: step === 2 ? 'block' : 'none' }}>
          <Form.Item name="mode" label={t('campaigns.when')}>
            <Radio.Group data-testid="campaign-mode">
              {(['now', 'at', 'local'] as const).map((m) => (
                <Radio key={m} value={m}>
                  {t(`campaigns.modes.${m}`)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          {mode === 'at' && (
            <Form.Item name="at" label={t('campaigns.sendAt')} rules={[{ required: true }]}>
              <DatePicker showTime />
            </Form.Item>
          )}
          {mode === 'local' && (
            <Space>
              <Form.Item name="localDate" label={t('campaigns.localDate')} rules={[{ required: true }]}>
                <DatePicker />
              </Form.Item>
              <Form.Item name="localTime" label={t('campaigns.localTime')} rules={[{ required: true }]}>
                <TimePicker format="HH:mm" />
              </Form.Item>
            </Space>
          )}
          <Form.Item name="throttlePerMinute" label={t('campaigns.throttle')} extra={t('campaigns.throttleHelp')}>
            <InputNumber min={1} addonAfter={t('campaigns.perMinute')} />
          </Form.Item>
          <Form.Item name="holdoutPercent" label={t('campaigns.holdout')} extra={t('campaigns.holdoutHelp')}>
            <InputNumber min={0} max={50} addonAfter="%" data-testid="campaign-holdout" />
          </Form.Item>
        </div>
      </Form>
      {step === 3 && estimate && <Review estimate={estimate} />}
      <Space style={{ marginTop: 24 }}>
        {step > 0 && <Button onClick={() => setStep(step - 1)}>{t('campaigns.back')}</Button>}
        {step < 3 && (
          <Button type="primary" onClick={next} loading={save.isPending} data-testid="wizard-next">
            {step === 2 ? t('campaigns.toReview') : t('campaigns.next')}
          </Button>
        )}
        {step === 3 && (
          <Button type="primary" onClick={() => send.mutate()} loading={send.isPending} data-testid="campaign-send">
            {t('campaigns.send')}
          </Button>
        )}
      </Space>
      {writing && <TemplateEditor initial={writing} onClose={() => setWriting(null)} />}
    </Card>
  );
}
