import { useQuery } from '@tanstack/react-query';
import { Select, Space, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { associationRules } from '../../../../contracts/analytics.ts';
import { api } from '../../lib/api.ts';
import { formatNumber, formatPercent } from '../../lib/format.ts';
import { useSegmentCatalog } from '../segments/RuleBuilder.tsx';

/** Products bought together: the strongest association rules, optionally from one product. */
export function AffinityTab() {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const [product, setProduct] = useState<number | undefined>();
  const [window, setWindow] = useState(365);
  const rules = useQuery({
    queryKey: ['associations', product, window],
    queryFn: () => api<z.infer<typeof associationRules>>('/analytics/associations', { query: { product, window, limit: 50 } }),
    placeholderData: (p) => p,
  });
  const catalog = useSegmentCatalog();
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="affinity">
      <Space>
        <Select
          allowClear
          showSearch
          optionFilterProp="label"
          placeholder={t('analytics.anyProduct')}
          style={{ width: 260 }}
          value={product}
          onChange={setProduct}
          options={catalog.data?.products.map((p) => ({ value: p.id, label: `${p.name} (${p.sku})` }))}
        />
        <Select
          value={window}
          style={{ width: 160 }}
          onChange={setWindow}
          options={[90, 180, 365, 730].map((d) => ({ value: d, label: t('analytics.lastDays', { n: d }) }))}
        />
        <span>{t('analytics.baskets', { count: rules.data?.baskets ?? 0 })}</span>
      </Space>
      <Table
        size="small"
        rowKey={(r) => `${r.from.id}-${r.to.id}`}
        loading={rules.isFetching}
        dataSource={rules.data?.rules}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: t('analytics.ifBought'), render: (_, r) => r.from.name },
          { title: t('analytics.alsoBought'), render: (_, r) => r.to.name },
          { title: t('analytics.together'), dataIndex: 'baskets', align: 'right', render: (n: number) => formatNumber(n, lng) },
          { title: t('analytics.support'), dataIndex: 'support', align: 'right', render: (v: number) => formatPercent(v, lng) },
          { title: t('analytics.confidence'), dataIndex: 'confidence', align: 'right', render: (v: number) => formatPercent(v, lng) },
          { title: t('analytics.lift'), dataIndex: 'lift', align: 'right', render: (v: number) => v.toFixed(2) },
        ]}
      />
    </Space>
  );
}
