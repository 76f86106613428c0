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

const PAGE = 50;
type Sort = { sort: 'created_at' | 'name' | 'id'; order: 'asc' | 'desc' };

export function CustomersPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [tag, setTag] = useState('');
  const [params, setParams] = useSearchParams();
  const segment = params.get('segment') ? Number(params.get('segment')) : undefined;
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<Sort>({ sort: 'created_at', order: 'desc' });
  const filter = { q: q || undefined, tag: tag || undefined, segment };
  const query = { ...filter, limit: PAGE, offset: (page - 1) * PAGE, ...sort };
  const list = useQuery({
    queryKey: ['customers', query],
    queryFn: () => api<{ items: CustomerSummary[]; total: number }>('/customers', { query }),
    placeholderData: (prev) => prev,
  });
  const onSort = (s: SorterResult<CustomerSummary> | SorterResult<CustomerSummary>[]) => {
    const one = Array.isArray(s) ? s[0] : s;
    const field = one?.field === 'name' ? 'name' : 'created_at';
    setSort({ sort: one?.order ? field : 'created_at', order: one?.order === 'ascend' ? 'asc' : 'desc' });
  };
  return (
    <Card title={t('customers.title')} extra={<Space><Button type="link" onClick={() => navigate('/customers/import')}>{t('imports.title')}</Button><Button type="link" onClick={() => navigate('/customers/quality')}>{t('quality.title')}</Button></Space>}>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          placeholder={t('customers.searchPlaceholder')}
          allowClear
          enterButton
          style={{ width: 420 }}
          onSearch={(v) => {
            setQ(v.trim());
            setPage(1);
          }}
          data-testid="customer-search"
        />
        <Input.Search
          placeholder={t('customers.tagFilter')}
          allowClear
          style={{ width: 180 }}
          onSearch={(v) => {
            setTag(v.trim());
            setPage(1);
          }}
        />
        {segment && (
          <Tag closable onClose={() => setParams({})} color="blue">
            {t('customers.inSegment', { id: segment })}
          </Tag>
        )}
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
          { title: t('customers.name'), dataIndex: 'name', sorter: true, render: (n: string | null) => n ?? <Typography.Text type="secondary">{t('common.none')}</Typography.Text> },
          { title: t('customers.phone'), dataIndex: 'phone' },
          { title: t('customers.email'), dataIndex: 'email' },
          { title: t('customers.region'), render: (_, c) => [c.province, c.city].filter(Boolean).join(' ') },
          { title: t('customers.firstChannel'), dataIndex: 'firstChannel' },
          { title: t('customers.createdAt'), dataIndex: 'createdAt', sorter: true, defaultSortOrder: 'descend', render: (v: string) => formatDateTime(v, i18n.language) },
        ]}
      />
    </Card>
  );
}
