import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { AutoComplete, Button, Card, Input, InputNumber, Select, Space, Switch, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api.ts';
import { LIFECYCLE_STAGES, RFM_GROUPS } from '../../../../contracts/analytics.ts';
import type { z } from 'zod';
import {
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  type Condition,
  GENDERS,
  ORDER_STATUSES,
  type RuleGroup,
  type RuleNode,
  type Window,
  type segmentCatalog,
} from '../../../../contracts/segments.ts';
import { localized } from '../../lib/labels.ts';

export type Catalog = z.infer<typeof segmentCatalog>;

/** The builder's pickers (also used by the analytics filters); one cached query for every page. */
export const useSegmentCatalog = () => useQuery({ queryKey: ['segment-catalog'], queryFn: () => api<Catalog>('/segments/catalog') });

type Product = Catalog['products'][number];

/** SKUs picked from a catalogue of any size: the first products at hand, the rest found by searching the server. */
function ProductPicker({ initial, value, onChange }: { initial: Product[]; value: string[]; onChange: (skus: string[]) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const found = useQuery({
    queryKey: ['product-search', q],
    enabled: q.length > 0,
    queryFn: () => api<{ items: Product[] }>('/products', { query: { q, limit: 30 } }),
    placeholderData: (prev) => prev,
  });
  const shown = q ? (found.data?.items ?? []) : initial;
  const options = [
    ...shown.map((p) => ({ value: p.sku, label: `${p.name} (${p.sku})` })),
    ...value.filter((sku) => !shown.some((p) => p.sku === sku)).map((sku) => ({ value: sku, label: sku })),
  ];
  return (
    <Select
      mode="multiple"
      allowClear
      showSearch
      filterOption={false}
      placeholder={t('segments.products')}
      style={{ minWidth: 220 }}
      value={value}
      onSearch={setQ}
      onBlur={() => setQ('')}
      loading={found.isFetching}
      notFoundContent={found.isFetching ? t('segments.searching') : t('common.none')}
      onChange={onChange}
      options={options}
      data-testid="product-picker"
    />
  );
}

const CONDITION_TYPES = [
  'profile',
  'metric',
  'attribute',
  'orders',
  'events',
  'tag',
  'identity',
  'consent',
  'anniversary',
  'segment',
  'field',
] as const;
const COMPARISONS = ['gte', 'gt', 'eq', 'neq', 'lte', 'lt', 'between'];
/** Values of the enum-typed fields the builder offers as pick lists. */
const ENUMS: Record<string, { values: readonly string[]; prefix: string }> = {
  gender: { values: GENDERS, prefix: 'customers.genders' },
  lifecycle_stage: { values: LIFECYCLE_STAGES, prefix: 'analytics.stages' },
  rfm_group: { values: RFM_GROUPS, prefix: 'analytics.rfmGroups' },
};

/** A fresh condition of each type, with sensible first values. */
function newCondition(type: (typeof CONDITION_TYPES)[number], catalog: Catalog): Condition {
  switch (type) {
    case 'profile':
      return { type, field: 'province', operator: 'eq', value: '' };
    case 'metric':
      return { type, field: 'orders_count', operator: 'gte', value: 1 };
    case 'attribute':
      return { type, key: catalog.attributes[0]?.key ?? '', operator: 'is_set' };
    case 'orders':
      return { type, aggregate: 'count', operator: 'gte', value: 1, window: { kind: 'last_days', days: 90 }, filters: {} };
    case 'events':
      return {
        type,
        name: catalog.eventNames[0] ?? 'Product Viewed',
        operator: 'gte',
        value: 1,
        window: { kind: 'last_days', days: 30 },
        properties: [],
      };
    case 'tag':
      return { type, operator: 'has_any', tags: catalog.tags.slice(0, 1) };
    case 'identity':
      return { type, kind: 'phone', present: true };
    case 'consent':
      return { type, channel: 'sms', purpose: 'marketing', status: 'granted' };
    case 'anniversary':
      return { type, of: 'birthday', within: { kind: 'next_days', days: 30 } };
    case 'segment':
      return { type, segmentId: catalog.segments[0]?.id ?? 1, member: true };
    case 'field':
      return { type, field: catalog.moduleFields[0]?.field ?? '', operator: 'is_set' };
  }
}

type Props<T> = { value: T; onChange: (v: T) => void; catalog: Catalog };

export function RuleBuilder({ value, onChange, catalog, depth = 0 }: Props<RuleGroup> & { depth?: number }) {
  const { t } = useTranslation();
  const setChild = (i: number, child: RuleNode | null) => {
    const children = [...value.children];
    if (child) children[i] = child;
    else children.splice(i, 1);
    onChange({ ...value, children });
  };
  return (
    <Card size="small" style={{ background: depth % 2 ? '#fafafa' : undefined }} data-testid={`rule-group-${depth}`}>
      <Space wrap style={{ marginBottom: 8 }}>
        <Select
          value={value.op}
          onChange={(op) => onChange({ ...value, op })}
          options={[
            { value: 'and', label: t('segments.all') },
            { value: 'or', label: t('segments.any') },
          ]}
          style={{ width: 200 }}
          data-testid="group-op"
        />
        <Switch
          checked={!!value.not}
          onChange={(not) => onChange({ ...value, not })}
          checkedChildren={t('segments.not')}
          unCheckedChildren={t('segments.not')}
        />
      </Space>
      <Space direction="vertical" style={{ width: '100%' }}>
        {value.children.length === 0 && (
          <Typography.Text type="secondary">{t(value.op === 'and' ? 'segments.emptyAnd' : 'segments.emptyOr')}</Typography.Text>
        )}
        {value.children.map((child, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity of their own; position is it
          <Space key={i} align="start" style={{ width: '100%' }}>
            {child.type === 'group' ? (
              <RuleBuilder value={child} onChange={(c) => setChild(i, c)} catalog={catalog} depth={depth + 1} />
            ) : (
              <ConditionEditor value={child} onChange={(c) => setChild(i, c)} catalog={catalog} />
            )}
            <Button icon={<DeleteOutlined />} onClick={() => setChild(i, null)} aria-label={t('common.delete')} />
          </Space>
        ))}
        <Space wrap>
          <Select<(typeof CONDITION_TYPES)[number]>
            placeholder={t('segments.addCondition')}
            value={null}
            style={{ width: 220 }}
            onChange={(type) => onChange({ ...value, children: [...value.children, newCondition(type, catalog)] })}
            options={CONDITION_TYPES.filter((type) => type !== 'field' || catalog.moduleFields.length > 0).map((type) => ({
              value: type,
              label: t(`segments.types.${type}`),
            }))}
            data-testid="add-condition"
          />
          <Button
            icon={<PlusOutlined />}
            onClick={() => onChange({ ...value, children: [...value.children, { type: 'group', op: 'or', children: [] }] })}
          >
            {t('segments.addGroup')}
          </Button>
        </Space>
      </Space>
    </Card>
  );
}

function ConditionEditor({ value, onChange, catalog }: Props<Condition>) {
  const { t, i18n } = useTranslation();
  const label = <Typography.Text strong>{t(`segments.types.${value.type}`)}</Typography.Text>;
  const row = (...parts: ReactNode[]) => (
    <Space wrap data-testid={`condition-${value.type}`}>
      {label}
      {parts}
    </Space>
  );
  switch (value.type) {
    case 'profile':
    case 'metric': {
      const fields = value.type === 'profile' ? catalog.profileFields : catalog.metricFields;
      const type = fields.find((f) => f.field === value.field)?.type ?? 'text';
      return row(
        <Select
          key="field"
          value={value.field}
          style={{ width: 180 }}
          showSearch
          optionFilterProp="label"
          onChange={(field) =>
            onChange({
              ...value,
              field,
              operator: catalog.operators[fields.find((f) => f.field === field)?.type ?? 'text'][0],
              value: undefined,
            })
          }
          options={fields.map((f) => ({ value: f.field, label: t(`segments.fields.${f.field}`) }))}
          data-testid="condition-field"
        />,
        <ScalarInput key="v" type={type} enumKey={value.field} value={value} onChange={onChange} catalog={catalog} />,
      );
    }
    case 'attribute': {
      const def = catalog.attributes.find((a) => a.key === value.key);
      return row(
        <Select
          key="key"
          value={value.key || undefined}
          style={{ width: 180 }}
          onChange={(key) => onChange({ ...value, key, value: undefined })}
          options={catalog.attributes.map((a) => ({ value: a.key, label: a.label }))}
        />,
        <ScalarInput key="v" type={def?.type ?? 'text'} options={def?.options} value={value} onChange={onChange} catalog={catalog} />,
      );
    }
    case 'orders':
      return (
        <Space direction="vertical" data-testid="condition-orders">
          {row(
            <Select
              key="agg"
              value={value.aggregate}
              style={{ width: 140 }}
              onChange={(aggregate) => onChange({ ...value, aggregate })}
              options={['count', 'sum', 'avg'].map((a) => ({ value: a, label: t(`segments.aggregates.${a}`) }))}
            />,
            <Comparison key="cmp" value={value} onChange={onChange} money={value.aggregate !== 'count'} />,
            <WindowInput key="w" value={value.window} onChange={(window) => onChange({ ...value, window })} />,
          )}
          <Space wrap>
            <Select
              mode="multiple"
              allowClear
              placeholder={t('segments.categories')}
              style={{ minWidth: 180 }}
              value={value.filters?.categories ?? []}
              onChange={(categories) => onChange({ ...value, filters: { ...value.filters, categories } })}
              options={catalog.categories.map((c) => ({ value: c, label: c }))}
            />
            <ProductPicker
              initial={catalog.products}
              value={value.filters?.skus ?? []}
              onChange={(skus) => onChange({ ...value, filters: { ...value.filters, skus } })}
            />
            <Select
              mode="multiple"
              allowClear
              placeholder={t('segments.channels')}
              style={{ minWidth: 160 }}
              value={value.filters?.channels ?? []}
              onChange={(channels) => onChange({ ...value, filters: { ...value.filters, channels } })}
              options={catalog.channels.map((c) => ({ value: c.code, label: c.name }))}
            />
            <Select
              mode="multiple"
              allowClear
              placeholder={t('segments.orderStatuses')}
              style={{ minWidth: 160 }}
              value={value.filters?.statuses ?? []}
              onChange={(statuses) => onChange({ ...value, filters: { ...value.filters, statuses } })}
              options={ORDER_STATUSES.map((s) => ({ value: s, label: t(`orderStatus.${s}`) }))}
            />
            <Input
              placeholder={t('segments.coupon')}
              style={{ width: 140 }}
              value={value.filters?.coupon ?? ''}
              onChange={(e) => onChange({ ...value, filters: { ...value.filters, coupon: e.target.value || undefined } })}
            />
          </Space>
        </Space>
      );
    case 'events':
      return (
        <Space direction="vertical" data-testid="condition-events">
          {row(
            <AutoComplete
              key="name"
              value={value.name}
              style={{ width: 200 }}
              onChange={(name) => onChange({ ...value, name })}
              options={catalog.eventNames.map((n) => ({ value: n }))}
            />,
            <Comparison key="cmp" value={value} onChange={onChange} />,
            <WindowInput key="w" value={value.window} onChange={(window) => onChange({ ...value, window })} />,
          )}
          {(value.properties ?? []).map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: property filters are positional
            <Space key={i}>
              <Input
                placeholder={t('segments.property')}
                value={p.key}
                style={{ width: 140 }}
                onChange={(e) =>
                  onChange({ ...value, properties: (value.properties ?? []).map((q, j) => (j === i ? { ...q, key: e.target.value } : q)) })
                }
              />
              <Select
                value={p.operator}
                style={{ width: 100 }}
                onChange={(operator) =>
                  onChange({ ...value, properties: (value.properties ?? []).map((q, j) => (j === i ? { ...q, operator } : q)) })
                }
                options={['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains'].map((o) => ({
                  value: o,
                  label: t(`segments.operators.${o}`),
                }))}
              />
              <Input
                value={String(p.value)}
                style={{ width: 140 }}
                onChange={(e) =>
                  onChange({
                    ...value,
                    properties: (value.properties ?? []).map((q, j) =>
                      j === i
                        ? {
                            ...q,
                            value: e.target.value !== '' && !Number.isNaN(Number(e.target.value)) ? Number(e.target.value) : e.target.value,
                          }
                        : q,
                    ),
                  })
                }
              />
              <Button
                icon={<DeleteOutlined />}
                onClick={() => onChange({ ...value, properties: (value.properties ?? []).filter((_, j) => j !== i) })}
                aria-label={t('common.delete')}
              />
            </Space>
          ))}
          <Button
            size="small"
            onClick={() => onChange({ ...value, properties: [...(value.properties ?? []), { key: '', operator: 'eq', value: '' }] })}
          >
            {t('segments.addProperty')}
          </Button>
        </Space>
      );
    case 'tag':
      return row(
        <Select
          key="op"
          value={value.operator}
          style={{ width: 140 }}
          onChange={(operator) => onChange({ ...value, operator })}
          options={['has_any', 'has_all', 'has_none'].map((o) => ({ value: o, label: t(`segments.tagOps.${o}`) }))}
        />,
        <Select
          key="tags"
          mode="tags"
          value={value.tags}
          style={{ minWidth: 220 }}
          onChange={(tags) => onChange({ ...value, tags })}
          options={catalog.tags.map((x) => ({ value: x, label: x }))}
          data-testid="condition-tags"
        />,
      );
    case 'identity':
      return row(
        <Select
          key="kind"
          value={value.kind}
          style={{ width: 140 }}
          onChange={(kind) => onChange({ ...value, kind })}
          options={['email', 'phone', 'external', 'anonymous'].map((k) => ({ value: k, label: t(`customers.identityKinds.${k}`) }))}
        />,
        <Select
          key="ch"
          allowClear
          placeholder={t('segments.anyChannel')}
          value={value.channel}
          style={{ width: 160 }}
          onChange={(channel) => onChange({ ...value, channel })}
          options={catalog.channels.map((c) => ({ value: c.code, label: c.name }))}
        />,
        <Switch
          key="p"
          checked={value.present}
          onChange={(present) => onChange({ ...value, present })}
          checkedChildren={t('segments.present')}
          unCheckedChildren={t('segments.absent')}
        />,
      );
    case 'consent':
      return row(
        <Select
          key="ch"
          value={value.channel}
          style={{ width: 120 }}
          onChange={(channel) => onChange({ ...value, channel })}
          options={CONSENT_CHANNELS.map((c) => ({ value: c, label: t(`segments.consentChannels.${c}`) }))}
        />,
        <Select
          key="pu"
          value={value.purpose ?? 'marketing'}
          style={{ width: 140 }}
          onChange={(purpose) => onChange({ ...value, purpose })}
          options={CONSENT_PURPOSES.map((p) => ({ value: p, label: t(`segments.purposes.${p}`) }))}
        />,
        <Select
          key="st"
          value={value.status}
          style={{ width: 120 }}
          onChange={(status) => onChange({ ...value, status })}
          options={['granted', 'withdrawn', 'denied', 'none'].map((s) => ({ value: s, label: t(`segments.consentStatuses.${s}`) }))}
        />,
      );
    case 'anniversary':
      return row(
        <Select
          key="of"
          value={value.of}
          style={{ width: 160 }}
          onChange={(of) => onChange({ ...value, of })}
          options={['birthday', 'first_order', 'membership'].map((o) => ({ value: o, label: t(`segments.anniversaries.${o}`) }))}
        />,
        <Select
          key="w"
          value={value.within.kind}
          style={{ width: 160 }}
          onChange={(kind) => onChange({ ...value, within: kind === 'this_month' ? { kind } : { kind: 'next_days', days: 30 } })}
          options={[
            { value: 'next_days', label: t('segments.nextDays') },
            { value: 'this_month', label: t('segments.thisMonth') },
          ]}
        />,
        value.within.kind === 'next_days' ? (
          <InputNumber
            key="d"
            min={0}
            max={366}
            value={value.within.days}
            onChange={(days) => onChange({ ...value, within: { kind: 'next_days', days: days ?? 0 } })}
            addonAfter={t('segments.days')}
          />
        ) : null,
      );
    case 'segment':
      return row(
        <Select
          key="m"
          value={value.member}
          style={{ width: 140 }}
          onChange={(member) => onChange({ ...value, member })}
          options={[
            { value: true, label: t('segments.inSegment') },
            { value: false, label: t('segments.notInSegment') },
          ]}
        />,
        <Select
          key="s"
          value={value.segmentId}
          style={{ width: 220 }}
          onChange={(segmentId) => onChange({ ...value, segmentId })}
          options={catalog.segments.map((s) => ({ value: s.id, label: s.name }))}
        />,
      );
    case 'field': {
      const def = catalog.moduleFields.find((f) => f.field === value.field);
      return row(
        <Select
          key="field"
          value={value.field || undefined}
          style={{ width: 200 }}
          onChange={(field) =>
            onChange({
              ...value,
              field,
              operator: catalog.operators[catalog.moduleFields.find((f) => f.field === field)?.type ?? 'text'][0],
              value: undefined,
            })
          }
          options={catalog.moduleFields.map((f) => ({ value: f.field, label: localized(f.label, i18n.language) }))}
        />,
        <ScalarInput key="v" type={def?.type ?? 'text'} options={def?.options} value={value} onChange={onChange} catalog={catalog} />,
      );
    }
  }
}

type ScalarCondition = Extract<Condition, { operator: string; value?: unknown }> & { value?: unknown };

function ScalarInput({
  type,
  enumKey,
  options,
  value,
  onChange,
  catalog,
}: Props<ScalarCondition> & { type: string; enumKey?: string; options?: string[] }) {
  const { t } = useTranslation();
  const operators = catalog.operators[type] ?? [];
  const op = value.operator;
  const set = (v: unknown) => onChange({ ...value, value: v } as ScalarCondition);
  const enumDef = enumKey ? ENUMS[enumKey] : undefined;
  const picks = enumDef
    ? enumDef.values.map((v) => ({ value: v, label: t(`${enumDef.prefix}.${v}`) }))
    : options?.map((v) => ({ value: v, label: v }));
  const channelPicks = enumKey === 'first_channel' ? catalog.channels.map((c) => ({ value: c.code, label: c.name })) : undefined;
  const choices = picks ?? channelPicks;
  let input: ReactNode = null;
  if (op === 'is_set' || op === 'is_not_set' || op === 'is_true' || op === 'is_false') input = null;
  else if (op === 'in' || op === 'not_in')
    input = (
      <Select
        mode={choices ? 'multiple' : 'tags'}
        value={(value.value as string[] | undefined) ?? []}
        style={{ minWidth: 200 }}
        onChange={set}
        options={choices}
      />
    );
  else if (op === 'between') {
    const pair = (Array.isArray(value.value) ? value.value : [undefined, undefined]) as (string | number | undefined)[];
    const one = (i: number) =>
      type === 'date' ? (
        <Input
          type="date"
          value={(pair[i] as string) ?? ''}
          onChange={(e) => set(pair.map((p, j) => (j === i ? e.target.value : p)))}
          style={{ width: 150 }}
        />
      ) : (
        <InputNumber value={pair[i] as number} onChange={(n) => set(pair.map((p, j) => (j === i ? n : p)))} />
      );
    input = (
      <Space>
        {one(0)}
        {one(1)}
      </Space>
    );
  } else if (op === 'within_last_days' || op === 'more_than_days_ago' || type === 'number')
    input = <InputNumber value={value.value as number} onChange={set} data-testid="condition-number" />;
  else if (type === 'date')
    input = <Input type="date" value={(value.value as string) ?? ''} onChange={(e) => set(e.target.value)} style={{ width: 150 }} />;
  else if (choices) input = <Select value={value.value as string} style={{ minWidth: 160 }} onChange={set} options={choices} />;
  else
    input = (
      <Input
        value={(value.value as string) ?? ''}
        onChange={(e) => set(e.target.value)}
        style={{ width: 180 }}
        data-testid="condition-text"
      />
    );
  return (
    <Space>
      <Select
        value={op}
        style={{ width: 150 }}
        onChange={(operator) => onChange({ ...value, operator, value: undefined } as ScalarCondition)}
        options={operators.map((o) => ({ value: o, label: t(`segments.operators.${o}`) }))}
        data-testid="condition-operator"
      />
      {input}
    </Space>
  );
}

function Comparison<T extends { operator: string; value: number | number[] }>({
  value,
  onChange,
  money,
}: {
  value: T;
  onChange: (v: T) => void;
  money?: boolean;
}) {
  const { t } = useTranslation();
  // Amounts are edited in major units (yuan) and stored in minor units (fen).
  const scale = money ? 100 : 1;
  const nums = Array.isArray(value.value) ? value.value : [value.value];
  const set = (i: number, n: number | null) => {
    const next = [...nums];
    next[i] = (n ?? 0) * scale;
    onChange({ ...value, value: value.operator === 'between' ? next.slice(0, 2) : next[0] });
  };
  return (
    <Space>
      <Select
        value={value.operator}
        style={{ width: 110 }}
        onChange={(operator) =>
          onChange({ ...value, operator, value: operator === 'between' ? [nums[0] ?? 0, nums[0] ?? 0] : (nums[0] ?? 0) })
        }
        options={COMPARISONS.map((o) => ({ value: o, label: t(`segments.operators.${o}`) }))}
      />
      <InputNumber value={(nums[0] ?? 0) / scale} onChange={(n) => set(0, n)} min={0} data-testid="comparison-value" />
      {value.operator === 'between' && <InputNumber value={(nums[1] ?? 0) / scale} onChange={(n) => set(1, n)} min={0} />}
    </Space>
  );
}

function WindowInput({ value, onChange }: { value: Window | undefined; onChange: (w: Window | undefined) => void }) {
  const { t } = useTranslation();
  return (
    <Space>
      <Select
        value={value?.kind ?? 'ever'}
        style={{ width: 170 }}
        onChange={(kind) =>
          onChange(
            kind === 'ever'
              ? undefined
              : kind === 'last_days'
                ? { kind, days: 30 }
                : kind === 'between_days_ago'
                  ? { kind, from: 60, to: 30 }
                  : { kind: 'dates', from: '', to: '' },
          )
        }
        options={['ever', 'last_days', 'between_days_ago', 'dates'].map((k) => ({ value: k, label: t(`segments.windows.${k}`) }))}
      />
      {value?.kind === 'last_days' && (
        <InputNumber
          min={1}
          value={value.days}
          onChange={(days) => onChange({ kind: 'last_days', days: days ?? 1 })}
          addonAfter={t('segments.days')}
        />
      )}
      {value?.kind === 'between_days_ago' && (
        <>
          <InputNumber min={0} value={value.from} onChange={(from) => onChange({ ...value, from: from ?? 0 })} />
          <InputNumber min={0} value={value.to} onChange={(to) => onChange({ ...value, to: to ?? 0 })} addonAfter={t('segments.daysAgo')} />
        </>
      )}
      {value?.kind === 'dates' && (
        <>
          <Input type="date" value={value.from} onChange={(e) => onChange({ ...value, from: e.target.value })} style={{ width: 150 }} />
          <Input type="date" value={value.to} onChange={(e) => onChange({ ...value, to: e.target.value })} style={{ width: 150 }} />
        </>
      )}
    </Space>
  );
}
