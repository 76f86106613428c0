import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Button, Card, DatePicker, Input, InputNumber, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { orderStatus } from '../../../../contracts/commerce.ts';
import type { OrderSummary, channelList, orderList } from '../../../../contracts/orders.ts';
import type { z } from 'zod';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';
import { OrderDrawer } from './OrderDrawer.tsx';

type Filters = { q?: string; status: string[]; channel?: string; range: [Dayjs | null, Dayjs | null] | null; min?: number; max?: number };

const toMinor = (yuan: number | undefined) => (yuan === undefined || yuan === null ? undefined : Math.round(yuan * 100));

/** Every channel's orders: search by order or tracking number, filters, pages as the list grows, detail in a drawer. */
export function OrdersPage() {
  const { t, i18n } = useTranslation();
  const [draft, setDraft] = useState<Filters>({ status: [], range: null });
  const [filters, setFilters] = useState<Filters>(draft);
  const [open, setOpen] = useState<number | null>(null);
  const channels = useQuery({ queryKey: ['channels'], queryFn: () => api<z.infer<typeof channelList>>('/channels') });
  const query = {
    q: filters.q || undefined,
    status: filters.status.length > 0 ? filters.status.join(',') : undefined,
    channel: filters.channel,
    from: filters.range?.[0]?.format('YYYY-MM-DD'),
    to: filters.range?.[1]?.format('YYYY-MM-DD'),
    minAmount: toMinor(filters.min),
    maxAmount: toMinor(filters.max),
  };
  const pages = useInfiniteQuery({
    queryKey: ['orders', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => {
      const { status, ...rest } = query;
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...rest, cursor: pageParam, limit: 50 })) if (v !== undefined) params.set(k, String(v));
      for (const s of status?.split(',') ?? []) params.append('status', s);
      return api<z.infer<typeof orderList>>(`/orders?${params.toString()}`);
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (patch: Partial<Filters>) => setDraft((d) => ({ ...d, ...patch }));
  return (
    <Card title={t('orders.title')}>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('orders.search')}
          style={{ width: 260 }}
          value={draft.q}
          onChange={(e) => set({ q: e.target.value })}
          onSearch={() => setFilters(draft)}
          data-testid="orders-search"
        />
        <Select
          mode="multiple"
          allowClear
          placeholder={t('orders.status')}
          style={{ minWidth: 180 }}
          value={draft.status}
          onChange={(status: string[]) => set({ status })}
          options={orderStatus.options.map((s) => ({ value: s, label: t(`orderStatus.${s}`) }))}
        />
        <Select
          allowClear
          showSearch
          optionFilterProp="label"
          placeholder={t('orders.channel')}
          style={{ width: 160 }}
          value={draft.channel}
          onChange={(channel?: string) => set({ channel })}
          options={(channels.data?.items ?? []).map((c) => ({ value: c.code, label: c.name }))}
        />
        <DatePicker.RangePicker value={draft.range} onChange={(range) => set({ range })} />
        <InputNumber min={0} placeholder={t('orders.minAmount')} value={draft.min} onChange={(v) => set({ min: v ?? undefined })} />
        <InputNumber min={0} placeholder={t('orders.maxAmount')} value={draft.max} onChange={(v) => set({ max: v ?? undefined })} />
        <Button type="primary" onClick={() => setFilters(draft)}>
          {t('common.search')}
        </Button>
      </Space>
      <Table<OrderSummary>
        rowKey="id"
        size="small"
        loading={pages.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: true }}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('orders.number'), dataIndex: 'externalId' },
          { title: t('orders.channel'), render: (_, r) => r.channel.name },
          { title: t('orders.status'), dataIndex: 'status', render: (s: string) => <Tag>{t(`orderStatus.${s}`)}</Tag> },
          {
            title: t('orders.buyer'),
            render: (_, r) => (
              <Link to={`/customers/${r.customer.id}`} onClick={(e) => e.stopPropagation()}>
                {r.customer.name ?? `#${r.customer.id}`}
              </Link>
            ),
          },
          { title: t('orders.total'), align: 'right', render: (_, r) => formatMoney(r.totalAmount, r.currency, i18n.language) },
          {
            title: t('orders.refunded'),
            align: 'right',
            render: (_, r) => (r.refundedAmount > 0 ? formatMoney(r.refundedAmount, r.currency, i18n.language) : '—'),
          },
          { title: t('orders.itemCount'), dataIndex: 'items', align: 'right' },
          { title: t('orders.trackingNumber'), render: (_, r) => r.trackingNumbers.join(', ') || '—' },
          { title: t('orders.placedAt'), dataIndex: 'placedAt', render: (v: string) => formatDateTime(v, i18n.language) },
        ]}
      />
      {pages.hasNextPage && (
        <Button style={{ marginTop: 12 }} loading={pages.isFetchingNextPage} onClick={() => pages.fetchNextPage()}>
          {t('orders.more')}
        </Button>
      )}
      <OrderDrawer id={open} onClose={() => setOpen(null)} />
    </Card>
  );
}
