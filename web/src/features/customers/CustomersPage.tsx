import { useQuery } from '@tanstack/react-query';
import { Button, Card, Input, Space, Table, Tag, Typography } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import type { CustomerSummary } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import { BulkActions } from './BulkActions.tsx';
import { SavedViews, type ViewParams } from './SavedViews.tsx';

const PAGE = 50;
type Sort = { sort: 'created_at' | 'name' | 'id'; order: 'asc' | 'desc' };
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
  const filter = { q: fields.q || undefined, tag: fields.tag || undefined, province: fields.province || undefined, channel: fields.channel || undefined, segment };
  const apply = (next: Fields) => {
    setFields(next);
    setDraft(next);
    setPage(1);
  };
  const applyView = (v: ViewParams) => {
    apply({ q: v.q ?? '', tag: v.tag ?? '', province: v.province ?? '', channel: v.channel ?? '' });
    setSort({ sort: v.sort ?? 'created_at', order: v.order ?? 'desc' });
    setParams(v.segment ? { segment: String(v.segment) } : {});
  };
  const search = (key: keyof Fields, placeholder: string, width: number, extra: object = {}) => (
    <Input.Search
      placeholder={placeholder}
      allowClear
      style={{ width }}
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
  const sortOrder = (field: Sort['sort']) => (sort.sort === field ? (sort.order === 'asc' ? ('ascend' as const) : ('descend' as const)) : null);
  const onSort = (s: SorterResult<CustomerSummary> | SorterResult<CustomerSummary>[]) => {
    const one = Array.isArray(s) ? s[0] : s;
    const field = one?.field === 'name' ? 'name' : 'created_at';
    setSort({ sort: one?.order ? field : 'created_at', order: one?.order === 'ascend' ? 'asc' : 'desc' });
  };
  return (
    <Card title={t('customers.title')} extra={<Space><Button type="link" onClick={() => navigate('/customers/import')}>{t('imports.title')}</Button><Button type="link" onClick={() => navigate('/customers/quality')}>{t('quality.title')}</Button><Button type="link" onClick={() => navigate('/customers/duplicates')}>{t('duplicates.title')}</Button></Space>}>
      <Space wrap style={{ marginBottom: 16 }}>
        {search('q', t('customers.searchPlaceholder'), 380, { enterButton: true, 'data-testid': 'customer-search' })}
        {search('tag', t('customers.tagFilter'), 150)}
        {search('province', t('customers.provinceFilter'), 150)}
        {search('channel', t('customers.channelFilter'), 150)}
        {segment && (
          <Tag closable onClose={() => setParams({})} color="blue">
            {t('customers.inSegment', { id: segment })}
          </Tag>
        )}
        <SavedViews current={{ ...filter, ...sort }} onApply={applyView} />
        <BulkActions filter={filter} total={list.data?.total ?? 0} />
      </Space>
      <Table<CustomerSummary>
        rowKey="id"
        size="middle"
        loading={list.isFetching}
        dataSource={list.data?.items}
        onChange={(_p, _f, s) => onSort(s)}
        onRow={(c) => ({ onClick: () => navigate(`/customers/${c.id}`), style: { cursor: 'pointer' } })}
        pagination={{ current: page, pageSize: PAGE, total: list.data?.total, onChange: setPage, showSizeChanger: false, showTotal: (count) => t('common.total', { count }) }}
        columns={[
          { title: t('customers.name'), dataIndex: 'name', sorter: true, sortOrder: sortOrder('name'), render: (n: string | null) => n ?? <Typography.Text type="secondary">{t('common.none')}</Typography.Text> },
          { title: t('customers.phone'), dataIndex: 'phone' },
          { title: t('customers.email'), dataIndex: 'email' },
          { title: t('customers.region'), render: (_, c) => [c.province, c.city].filter(Boolean).join(' ') },
          { title: t('customers.firstChannel'), dataIndex: 'firstChannel' },
          { title: t('customers.createdAt'), dataIndex: 'createdAt', sorter: true, sortOrder: sortOrder('created_at'), render: (v: string) => formatDateTime(v, i18n.language) },
        ]}
      />
    </Card>
  );
}
