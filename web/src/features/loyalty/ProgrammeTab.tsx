import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Divider, Form, Input, InputNumber, Select, Space, Switch, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { CouponTemplateView, LoyaltySettings, tierPreview } from '../../../../contracts/loyalty.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';
import { useLoyaltySettings, useTierName } from './settings.ts';

type Preview = z.infer<typeof tierPreview>;

/** Spend thresholds are kept in 分 and edited in 元. */
const scaleTiers = (s: LoyaltySettings, factor: number): LoyaltySettings =>
  s.tierBasis === 'net_spend'
    ? { ...s, tiers: s.tiers.map((x) => ({ ...x, entry: Math.round(x.entry * factor), keep: Math.round(x.keep * factor) })) }
    : s;

/** The programme: joining, earning, bonuses, expiry and tiers; a preview of who would move before saving. */
export function ProgrammeTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const settings = useLoyaltySettings();
  const tierName = useTierName();
  const [form] = Form.useForm<LoyaltySettings>();
  const [preview, setPreview] = useState<Preview | null>(null);
  const templates = useQuery({ queryKey: ['coupons', 'templates'], queryFn: () => api<CouponTemplateView[]>('/coupons/templates') });
  useEffect(() => {
    if (settings.data) form.setFieldsValue(scaleTiers(settings.data, 1 / 100));
  }, [settings.data, form]);
  const values = () => scaleTiers(form.getFieldsValue(true) as LoyaltySettings, 100);
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const previewIt = useMutation({
    mutationFn: () => api<Preview>('/loyalty/settings/preview', { method: 'POST', body: values() }),
    onSuccess: setPreview,
    onError,
  });
  const save = useMutation({
    mutationFn: () => api('/loyalty/settings', { method: 'PUT', body: values() }),
    onSuccess: () => {
      message.success(t('loyalty.saved'));
      setPreview(null);
      client.invalidateQueries({ queryKey: ['loyalty'] });
    },
    onError,
  });
  const basis = Form.useWatch('tierBasis', form);
  const unit = basis === 'net_spend' ? t('loyalty.yuan') : basis === 'orders' ? t('loyalty.ordersUnit') : t('loyalty.pointsUnit');
  const options = (prefix: string, keys: readonly string[]) => keys.map((k) => ({ value: k, label: t(`${prefix}.${k}`) }));
  const n = (name: (string | number)[], label: string, props: { min?: number; max?: number; step?: number; addonAfter?: string } = {}) => (
    <Form.Item name={name} label={label}>
      <InputNumber min={0} {...props} />
    </Form.Item>
  );
  return (
    <Card>
      <Form form={form} layout="vertical" disabled={!can('loyalty.write')} onFinish={() => save.mutate()}>
        <Space wrap align="start">
          <Form.Item name="enabled" label={t('loyalty.enabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name="joinRule" label={t('loyalty.joinRule')}>
            <Select style={{ width: 200 }} options={options('loyalty.joinRules', ['first_paid_order', 'explicit'])} />
          </Form.Item>
          <Form.Item name="memberNoPrefix" label={t('loyalty.memberNoPrefix')}>
            <Input maxLength={8} style={{ width: 120 }} />
          </Form.Item>
          {n(['pointsPerUnit'], t('loyalty.pointsPerUnit'), { max: 1000, step: 0.1 })}
          {n(['pendingDays'], t('loyalty.pendingDays'), { max: 365, addonAfter: t('loyalty.days') })}
        </Space>
        <Divider titlePlacement="left">{t('loyalty.bonuses')}</Divider>
        <Space wrap>
          {(['signup', 'birthday', 'firstOrder', 'review', 'referral'] as const).map((k) => (
            <span key={k}>{n(['bonuses', k], t(`loyalty.bonus.${k}`))}</span>
          ))}
        </Space>
        <Divider titlePlacement="left">{t('loyalty.multipliers')}</Divider>
        <Form.List name="multipliers">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="baseline">
                  <Form.Item name={[f.name, 'kind']} rules={[{ required: true }]}>
                    <Select style={{ width: 140 }} options={options('loyalty.multiplierKinds', ['channel', 'category', 'dates'])} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'value']}>
                    <Input placeholder={t('loyalty.multiplierValue')} style={{ width: 160 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'from']}>
                    <Input placeholder="YYYY-MM-DD" style={{ width: 130 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'to']}>
                    <Input placeholder="YYYY-MM-DD" style={{ width: 130 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'factor']} rules={[{ required: true }]}>
                    <InputNumber min={0} max={20} step={0.5} addonBefore="×" />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ kind: 'channel', value: '', from: null, to: null, factor: 2 })}>
                {t('loyalty.addMultiplier')}
              </Button>
            </>
          )}
        </Form.List>
        <Divider titlePlacement="left">{t('loyalty.expiry')}</Divider>
        <Space wrap>
          <Form.Item name={['expiry', 'mode']} label={t('loyalty.expiryMode')}>
            <Select style={{ width: 200 }} options={options('loyalty.expiryModes', ['never', 'rolling', 'year_end'])} />
          </Form.Item>
          {n(['expiry', 'months'], t('loyalty.expiryMonths'), { min: 1, max: 120 })}
          {n(['expiry', 'reminderDays'], t('loyalty.reminderDays'), { min: 1, max: 90, addonAfter: t('loyalty.days') })}
          <Form.Item name={['expiry', 'reminderTemplate']} label={t('loyalty.reminderTemplate')}>
            <Input style={{ width: 200 }} placeholder={t('loyalty.templateKey')} />
          </Form.Item>
        </Space>
        <Divider titlePlacement="left">{t('loyalty.tiers')}</Divider>
        <Space wrap>
          <Form.Item name="tierBasis" label={t('loyalty.tierBasis')}>
            <Select style={{ width: 180 }} options={options('loyalty.bases', ['net_spend', 'points', 'orders'])} />
          </Form.Item>
          <Form.Item name="tierTerm" label={t('loyalty.tierTerm')}>
            <Select style={{ width: 180 }} options={options('loyalty.terms', ['calendar_year', 'rolling_12', 'lifetime'])} />
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary">{t('loyalty.tiersHelp')}</Typography.Paragraph>
        <Form.List name="tiers">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="baseline" data-testid="tier-row">
                  <Form.Item name={[f.name, 'key']} rules={[{ required: true, pattern: /^[a-z0-9_-]{1,32}$/ }]}>
                    <Input placeholder={t('loyalty.tierKey')} style={{ width: 110 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'name']} rules={[{ required: true }]}>
                    <Input placeholder={t('loyalty.tierName')} style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'entry']} label={t('loyalty.entry')} rules={[{ required: true }]}>
                    <InputNumber min={0} addonAfter={unit} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'keep']} label={t('loyalty.keep')} rules={[{ required: true }]}>
                    <InputNumber min={0} addonAfter={unit} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'multiplier']} label={t('loyalty.multiplier')}>
                    <InputNumber min={0} max={20} step={0.5} addonBefore="×" />
                  </Form.Item>
                  <Form.Item name={[f.name, 'freeShipping']} label={t('loyalty.freeShipping')} valuePropName="checked">
                    <Switch />
                  </Form.Item>
                  <Form.Item name={[f.name, 'upgradeCouponTemplateId']} label={t('loyalty.upgradeCoupon')}>
                    <Select
                      allowClear
                      style={{ width: 160 }}
                      options={(templates.data ?? []).filter((x) => !x.archived).map((x) => ({ value: x.id, label: x.name }))}
                    />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button
                icon={<PlusOutlined />}
                onClick={() =>
                  add({ key: '', name: '', entry: 0, keep: 0, multiplier: 1, freeShipping: false, upgradeCouponTemplateId: null })
                }
              >
                {t('loyalty.addTier')}
              </Button>
            </>
          )}
        </Form.List>
        <Divider />
        <Space>
          <Button onClick={() => previewIt.mutate()} loading={previewIt.isPending} data-testid="tier-preview">
            {t('loyalty.preview')}
          </Button>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('loyalty.save')}
          </Button>
        </Space>
      </Form>
      {preview && (
        <div style={{ marginTop: 16 }} data-testid="tier-preview-result">
          {preview.moves.length === 0 ? (
            <Alert type="success" message={t('loyalty.nobodyMoves')} />
          ) : (
            <Table
              size="small"
              pagination={false}
              rowKey={(m) => `${m.from}-${m.to}`}
              dataSource={preview.moves}
              columns={[
                { title: t('loyalty.from'), dataIndex: 'from', render: (k: string | null) => tierName(k) },
                {
                  title: t('loyalty.to'),
                  dataIndex: 'to',
                  render: (k: string | null) =>
                    (preview && (form.getFieldValue('tiers') as { key: string; name: string }[]).find((x) => x.key === k)?.name) ||
                    tierName(k),
                },
                { title: t('loyalty.members'), dataIndex: 'members', align: 'right' },
              ]}
            />
          )}
        </div>
      )}
    </Card>
  );
}
