import { useQuery } from '@tanstack/react-query';
import { Card, Progress, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { qualityReport } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { QuarantineCard } from './QuarantineCard.tsx';

type Row = z.infer<typeof qualityReport>['rows'][number];
const FIELDS = ['name', 'gender', 'birthday', 'province', 'city', 'email', 'phone', 'address'] as const;
const pct = (v: number) => Math.round(v * 100);

/** Completeness and validity of customer data, overall and per first channel. */
export function QualityPage() {
  const { t } = useTranslation();
  const report = useQuery({ queryKey: ['customer-quality'], queryFn: () => api<{ rows: Row[] }>('/customers/quality') });
  return (
    <>
      <Card title={t('quality.title')}>
        <Typography.Paragraph type="secondary">{t('quality.help')}</Typography.Paragraph>
        <Table<Row>
          rowKey={(r) => r.channel ?? '*'}
          size="small"
          loading={report.isLoading}
          dataSource={report.data?.rows}
          pagination={false}
          scroll={{ x: true }}
          columns={[
            {
              title: t('quality.channel'),
              render: (_, r) => (r.channel === null ? <strong>{t('quality.all')}</strong> : r.channel || t('common.none')),
            },
            { title: t('quality.customers'), dataIndex: 'total' },
            ...FIELDS.map((f) => ({
              title: t(`quality.fields.${f}`),
              key: f,
              render: (_: unknown, r: Row) => <Progress percent={pct(r.complete[f] ?? 0)} size="small" style={{ width: 90 }} />,
            })),
            { title: t('quality.validProvince'), render: (_, r) => `${pct(r.valid.province ?? 0)}%` },
            { title: t('quality.validBirthday'), render: (_, r) => `${pct(r.valid.birthday ?? 0)}%` },
          ]}
        />
      </Card>
      <QuarantineCard />
    </>
  );
}
