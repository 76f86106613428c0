import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, Select, Space, Switch, TimePicker } from 'antd';
import dayjs from 'dayjs';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { type ServiceSettings, TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES } from '../../../../contracts/service.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';
import { useOpenSurveyOptions } from '../surveys/openSurveys.ts';
import { useAgents, useServiceSettings } from './InboxTab.tsx';

/** The form's view of the calendar: one working window per weekday (none: closed). */
type FormDay = { open: boolean; hours?: [dayjs.Dayjs, dayjs.Dayjs] };

const toForm = (s: ServiceSettings) => ({
  ...s,
  days: s.calendar.week.map(
    (ws): FormDay =>
      ws[0] ? { open: true, hours: [dayjs(`2000-01-01T${ws[0].start}`), dayjs(`2000-01-01T${ws[0].end}`)] } : { open: false },
  ),
});

/** A list item's key and name (the key as the API checks it). */
function KeyAndName({ name, width }: { name: number; width: number }) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item name={[name, 'key']} rules={[{ required: true, pattern: /^[a-z0-9_-]{1,32}$/ }]}>
        <Input placeholder={t('service.key')} style={{ width: 100 }} />
      </Form.Item>
      <Form.Item name={[name, 'name']} rules={[{ required: true }]}>
        <Input placeholder={t('service.name')} style={{ width }} />
      </Form.Item>
    </>
  );
}

/** A multiple choice among an enum's values, labelled by their translations under `prefix`. */
function EnumSelect({
  name,
  values,
  prefix,
  placeholder,
}: {
  name: (string | number)[];
  values: readonly string[];
  prefix: string;
  placeholder: string;
}) {
  const { t } = useTranslation();
  return (
    <Form.Item name={name}>
      <Select
        mode="multiple"
        placeholder={placeholder}
        options={values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }))}
        style={{ minWidth: 110 }}
      />
    </Form.Item>
  );
}

/** Support address, reopen and close windows, business hours, queues, SLA policies, macros and CSAT. */
export function DeskSettingsTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const settings = useServiceSettings();
  const agents = useAgents();
  const surveys = useOpenSurveyOptions(can('surveys.read'), true);
  const [form] = Form.useForm();
  useEffect(() => {
    if (settings.data) form.setFieldsValue(toForm(settings.data));
  }, [settings.data, form]);
  const save = useMutation({
    mutationFn: (v: ServiceSettings & { days: FormDay[] }) => {
      const { days, ...rest } = v;
      const week = days.map((d) => (d.open && d.hours ? [{ start: d.hours[0].format('HH:mm'), end: d.hours[1].format('HH:mm') }] : []));
      return api<ServiceSettings>('/service/settings', {
        method: 'PUT',
        body: { ...settings.data, ...rest, calendar: { ...settings.data?.calendar, ...rest.calendar, week } },
      });
    },
    onSuccess: (s) => {
      client.setQueryData(['service', 'settings'], s);
      message.success(t('service.saved'));
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const options = (values: readonly string[], prefix: string) => values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }));
  const agentOptions = (agents.data?.items ?? []).map((a) => ({ value: a.id, label: a.name }));
  return (
    <Form form={form} layout="vertical" onFinish={save.mutate} disabled={!can('settings.manage')} data-testid="desk-settings">
      <Card title={t('service.general')}>
        <Space wrap size="large">
          <Form.Item name="supportAddress" label={t('service.supportAddress')} extra={t('service.supportAddressHelp')}>
            <Input style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="reopenDays" label={t('service.reopenDays')}>
            <InputNumber min={0} max={90} />
          </Form.Item>
          <Form.Item name="closeAfterDays" label={t('service.closeAfterDays')}>
            <InputNumber min={1} max={90} />
          </Form.Item>
          <Form.Item name="warnAt" label={t('service.warnAt')}>
            <InputNumber min={0.1} max={0.99} step={0.05} />
          </Form.Item>
          <Form.Item name="agentsSeeOwnQueuesOnly" label={t('service.agentsSeeOwnQueuesOnly')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name={['csat', 'enabled']} label={t('service.csatEnabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name={['csat', 'delayHours']} label={t('service.csatDelay')}>
            <InputNumber min={0} max={720} />
          </Form.Item>
          <Form.Item name={['csat', 'surveyId']} label={t('service.csatSurvey')} extra={t('service.csatSurveyHelp')}>
            <Select allowClear style={{ width: 260 }} placeholder={t('service.csatSurveyDefault')} options={surveys} />
          </Form.Item>
        </Space>
      </Card>
      <Card title={t('service.businessHours')} style={{ marginTop: 16 }}>
        <Space wrap>
          <Form.Item name={['calendar', 'timeZone']} label={t('service.timeZone')}>
            <Input style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name={['calendar', 'holidays']} label={t('service.holidays')} extra={t('service.holidaysHelp')}>
            <Input style={{ width: 80 }} />
          </Form.Item>
        </Space>
        {[0, 1, 2, 3, 4, 5, 6].map((d) => (
          <Space key={d} style={{ display: 'flex' }}>
            <span style={{ width: 60, display: 'inline-block' }}>{t(`service.weekdays.${d}`)}</span>
            <Form.Item name={['days', d, 'open']} valuePropName="checked" noStyle>
              <Switch size="small" />
            </Form.Item>
            <Form.Item name={['days', d, 'hours']} noStyle>
              <TimePicker.RangePicker format="HH:mm" minuteStep={15} size="small" />
            </Form.Item>
          </Space>
        ))}
      </Card>
      <Card title={t('service.queues')} style={{ marginTop: 16 }}>
        <Form.List name="queues">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="baseline">
                  <KeyAndName name={f.name} width={120} />
                  <Form.Item name={[f.name, 'agentIds']}>
                    <Select mode="multiple" placeholder={t('service.agents')} options={agentOptions} style={{ minWidth: 160 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'leadId']}>
                    <Select allowClear placeholder={t('service.lead')} options={agentOptions} style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'assignment']}>
                    <Select options={options(['round_robin', 'manual'], 'service.assignment')} style={{ width: 120 }} />
                  </Form.Item>
                  <EnumSelect
                    name={[f.name, 'types']}
                    values={TICKET_TYPES}
                    prefix="service.types"
                    placeholder={t('service.types.label')}
                  />
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ agentIds: [], leadId: null, assignment: 'round_robin', types: [] })}>
                {t('service.addQueue')}
              </Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card title={t('service.policies')} style={{ marginTop: 16 }} extra={t('service.policiesHelp')}>
        <Form.List name="policies">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="baseline">
                  <KeyAndName name={f.name} width={140} />
                  <EnumSelect
                    name={[f.name, 'priorities']}
                    values={TICKET_PRIORITIES}
                    prefix="service.priorities"
                    placeholder={t('service.priority')}
                  />
                  <EnumSelect
                    name={[f.name, 'types']}
                    values={TICKET_TYPES}
                    prefix="service.types"
                    placeholder={t('service.types.label')}
                  />
                  <EnumSelect
                    name={[f.name, 'channels']}
                    values={TICKET_CHANNELS}
                    prefix="service.channels"
                    placeholder={t('service.channel')}
                  />
                  {(['firstReplyMinutes', 'nextReplyMinutes', 'resolutionMinutes'] as const).map((k) => (
                    <Form.Item key={k} name={[f.name, k]} label={t(`service.targets.${k}`)}>
                      <InputNumber min={1} style={{ width: 90 }} />
                    </Form.Item>
                  ))}
                  <Form.Item name={[f.name, 'businessHours']} valuePropName="checked" label={t('service.inBusinessHours')}>
                    <Switch size="small" />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button
                icon={<PlusOutlined />}
                onClick={() =>
                  add({
                    priorities: [],
                    types: [],
                    channels: [],
                    firstReplyMinutes: null,
                    nextReplyMinutes: null,
                    resolutionMinutes: null,
                    businessHours: true,
                  })
                }
              >
                {t('service.addPolicy')}
              </Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card title={t('service.macros')} style={{ marginTop: 16 }}>
        <Form.List name="macros">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <KeyAndName name={f.name} width={120} />
                  <Form.Item name={[f.name, 'body']} extra={t('service.macroHelp')}>
                    <Input.TextArea placeholder={t('service.macroBody')} style={{ width: 320 }} autoSize />
                  </Form.Item>
                  <Form.Item name={[f.name, 'status']}>
                    <Select
                      allowClear
                      placeholder={t('service.setStatus')}
                      options={options(TICKET_STATUSES, 'service.statuses')}
                      style={{ width: 120 }}
                    />
                  </Form.Item>
                  <Form.Item name={[f.name, 'addTags']}>
                    <Select mode="tags" placeholder={t('service.tags')} style={{ minWidth: 120 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'assignToSelf']} valuePropName="checked" label={t('service.assignToSelf')}>
                    <Switch size="small" />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button
                icon={<PlusOutlined />}
                onClick={() => add({ body: '', status: null, addTags: [], priority: null, assignToSelf: false })}
              >
                {t('service.addMacro')}
              </Button>
            </>
          )}
        </Form.List>
      </Card>
      <Button type="primary" htmlType="submit" loading={save.isPending} style={{ marginTop: 16 }} data-testid="save-desk">
        {t('service.save')}
      </Button>
    </Form>
  );
}
