import { useQuery } from '@tanstack/react-query';
import { Button, Card, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnType } from 'antd/es/table';
import type { SorterResult } from 'antd/es/table/interface';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { CUSTOMER_COLUMNS, type CustomerSummary, type customerSort } from '../../../../contracts/customers.ts';
import type { channelList } from '../../../../contracts/orders.ts';
import type { z } from 'zod';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';
import { useCurrency } from '../../lib/store.ts';
import { CANONICAL_PROVINCES } from '../../../../contracts/regions.ts';
import { BulkActions } from './BulkActions.tsx';
import { SavedViews, type ViewParams } from './SavedViews.tsx';

const PAGE = 50;
type Sort = { sort: z.infer<typeof customerSort>; order: 'asc' | 'desc' };
type ColumnKey = (typeof CUSTOMER_COLUMNS)[number];
const DEFAULT_COLUMNS: ColumnKey[] = [
  'name',
  'phone',
  'region',
  'firstChannel',
  'ordersCount',
  'netSpent',
  'lastOrderAt',
  'lifecycleStage',
  'createdAt',
];
/** List columns sorted on the server, by the sort key they map to. */
const SORT_KEYS: Partial<Record<ColumnKey, Sort['sort']>> = {
  name: 'name',
  createdAt: 'created_at',
  ordersCount: 'orders_count',
  netSpent: 'net_spent',
  lastOrderAt: 'last_order_at',
};
type Fields = { q: string; tag: string; province: string; channel: string };

export function CustomersPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [fields, setFields] = useState<Fields>({ q: '', tag: '', province: '', channel: '' });
  const [draft, setDraft] = useState<Fields>(fields);
  const [params, setParams] = useSearchParams();
  const segment = params.get('segment') ? Number(params.get('segment')) : undefined;
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<Sort>({ sort: 'created_at', order: 'desc' });
  const [shown, setShown] = useState<ColumnKey[]>(DEFAULT_COLUMNS);
  const currency = useCurrency();
  const channels = useQuery({ queryKey: ['channels'], queryFn: () => api<z.infer<typeof channelList>>('/channels') });
  const segmentName = useQuery({
    queryKey: ['segment', segment],
    queryFn: () => api<{ name: string }>(`/segments/${segment}`),
    enabled: segment !== undefined,
  });
  const filter = {
    q: fields.q || undefined,
    tag: fields.tag || undefined,
    province: fields.province || undefined,
    channel: fields.channel || undefined,
    segment,
  };
  const apply = (next: Fields) => {
    setFields(next);
    setDraft(next);
    setPage(1);
  };
  const applyView = (v: ViewParams) => {
    apply({ q: v.q ?? '', tag: v.tag ?? '', province: v.province ?? '', channel: v.channel ?? '' });
    setSort({ sort: v.sort ?? 'created_at', order: v.order ?? 'desc' });
    setShown(v.columns?.length ? v.columns : DEFAULT_COLUMNS);
    setParams(v.segment ? { segment: String(v.segment) } : {});
  };
  const search = (key: keyof Fields, placeholder: string, width: number, extra: object = {}) => (
    <Input.Search
      placeholder={placeholder}
      allowClear
      style={{ width: `min(${width}px, calc(100vw - 48px))` }}
      value={draft[key]}
      onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      onSearch={(v) => apply({ ...draft, [key]: v.trim() })}
      {...extra}
    />
  );
  const query = { ...filter, limit: PAGE, offset: (page - 1) * PAGE, ...sort };
  const list = useQuery({
    queryKey: ['customers', query],
    queryFn: () => api<{ items: CustomerSummary[]; total: number }>('/customers', { query }),
    placeholderData: (prev) => prev,
  });
  const sortOrder = (field: Sort['sort']) =>
    sort.sort === field ? (sort.order === 'asc' ? ('ascend' as const) : ('descend' as const)) : null;
  const onSort = (s: SorterResult<CustomerSummary> | SorterResult<CustomerSummary>[]) => {
    const one = Array.isArray(s) ? s[0] : s;
    const field = SORT_KEYS[one?.columnKey as ColumnKey] ?? 'created_at';
    setSort({ sort: one?.order ? field : 'created_at', order: one?.order === 'ascend' ? 'asc' : 'desc' });
  };
  const pick = (key: 'province' | 'channel', placeholder: string, options: { value: string; label: string }[]) => (
    <Select
      allowClear
      showSearch
      optionFilterProp="label"
      placeholder={placeholder}
      style={{ width: 160 }}
      value={draft[key] || undefined}
      onChange={(v?: string) => apply({ ...draft, [key]: v ?? '' })}
      options={options}
      data-testid={`customers-${key}`}
    />
  );
  const lng = i18n.language;
  const none = <Typography.Text type="secondary">{t('common.none')}</Typography.Text>;
  const columnDefs: Record<ColumnKey, ColumnType<CustomerSummary>> = {
    name: { title: t('customers.name'), dataIndex: 'name', render: (n: string | null) => n ?? none },
    phone: { title: t('customers.phone'), dataIndex: 'phone' },
    email: { title: t('customers.email'), dataIndex: 'email' },
    region: { title: t('customers.region'), render: (_, c) => [c.province, c.city].filter(Boolean).join(' ') },
    firstChannel: { title: t('customers.firstChannel'), render: (_, c) => c.firstChannelName ?? c.firstChannel },
    ordersCount: { title: t('customers.ordersCount'), dataIndex: 'ordersCount', align: 'right' },
    netSpent: {
      title: t('customers.netSpent'),
      align: 'right',
      render: (_, c) => (c.netSpent === null ? none : formatMoney(c.netSpent, currency, lng)),
    },
    lastOrderAt: {
      title: t('customers.lastOrderAt'),
      dataIndex: 'lastOrderAt',
      render: (v: string | null) => (v ? formatDateTime(v, lng) : none),
    },
    lifecycleStage: {
      title: t('customers.lifecycleStage'),
      dataIndex: 'lifecycleStage',
      render: (v: string | null) => (v ? <Tag>{t(`analytics.stages.${v}`)}</Tag> : none),
    },
    rfmGroup: {
      title: t('customers.rfmGroup'),
      dataIndex: 'rfmGroup',
      render: (v: string | null) => (v ? t(`analytics.rfmGroups.${v}`) : none),
    },
    createdAt: { title: t('customers.createdAt'), dataIndex: 'createdAt', render: (v: string) => formatDateTime(v, lng) },
  };
  const columns = shown.map((key) => ({
    ...columnDefs[key],
    key,
    ...(SORT_KEYS[key] ? { sorter: true, sortOrder: sortOrder(SORT_KEYS[key]!) } : {}),
  }));
  return (
    <Card
      title={t('customers.title')}
      extra={
        <Space>
          <Button type="link" onClick={() => navigate('/customers/import')}>
            {t('imports.title')}
          </Button>
          <Button type="link" onClick={() => navigate('/customers/quality')}>
            {t('quality.title')}
          </Button>
          <Button type="link" onClick={() => navigate('/customers/duplicates')}>
            {t('duplicates.title')}
          </Button>
        </Space>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        {search('q', t('customers.searchPlaceholder'), 380, { enterButton: true, 'data-testid': 'customer-search' })}
        {search('tag', t('customers.tagFilter'), 150)}
        {pick(
          'province',
          t('customers.provinceFilter'),
          CANONICAL_PROVINCES.map((p) => ({ value: p, label: p })),
        )}
        {pick(
          'channel',
          t('customers.channelFilter'),
          (channels.data?.items ?? []).map((c) => ({ value: c.code, label: c.name })),
        )}
        <Select
          mode="multiple"
          maxTagCount={0}
          maxTagPlaceholder={() => t('customers.columns', { count: shown.length })}
          style={{ width: 140 }}
          value={shown}
          onChange={(v: ColumnKey[]) => setShown(v.length > 0 ? CUSTOMER_COLUMNS.filter((c) => v.includes(c)) : DEFAULT_COLUMNS)}
          options={CUSTOMER_COLUMNS.map((c) => ({ value: c, label: columnDefs[c].title as string }))}
          data-testid="customers-columns"
        />
        {segment && (
          <Tag closable onClose={() => setParams({})} color="blue">
            {t('customers.inSegment', { name: segmentName.data?.name ?? `#${segment}` })}
          </Tag>
        )}
        <SavedViews current={{ ...filter, ...sort, columns: shown }} onApply={applyView} />
        <BulkActions filter={filter} total={list.data?.total ?? 0} />
      </Space>
      <Table<CustomerSummary>
        rowKey="id"
        size="middle"
        loading={list.isFetching}
        dataSource={list.data?.items}
        onChange={(_p, _f, s) => onSort(s)}
        scroll={{ x: 'max-content' }}
        onRow={(c) => ({ onClick: () => navigate(`/customers/${c.id}`), style: { cursor: 'pointer' } })}
        pagination={{
          current: page,
          pageSize: PAGE,
          total: list.data?.total,
          onChange: setPage,
          showSizeChanger: false,
          showTotal: (count) => t('common.total', { count }),
        }}
        columns={columns}
      />
    </Card>
  );
}
