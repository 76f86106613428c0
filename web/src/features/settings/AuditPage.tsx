import { useQuery } from '@tanstack/react-query';
import { Card, DatePicker, Descriptions, Input, Select, Space, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../../../contracts/audit.ts';
import { api } from '../../lib/api.ts';
import { auditLabel } from '../../lib/labels.ts';
import { formatDateTime } from '../../lib/format.ts';

const PAGE = 50;
const json = (v: unknown) => (v == null ? '—' : JSON.stringify(v, null, 2));

export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState(1);
  const [action, setAction] = useState<string | undefined>();
  const [actor, setActor] = useState('');
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const actions = useQuery({ queryKey: ['audit-actions'], queryFn: () => api<{ items: string[] }>('/audit/actions') });
  const query = {
    limit: PAGE,
    offset: (page - 1) * PAGE,
    action,
    actor: actor || undefined,
    from: range?.[0]?.toISOString(),
    to: range?.[1]?.toISOString(),
  };
  const entries = useQuery({ queryKey: ['audit', query], queryFn: () => api<{ items: AuditEntry[]; total: number }>('/audit', { query }) });
  return (
    <Card title={t('audit.title')}>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          allowClear
          placeholder={t('audit.filterAction')}
          style={{ width: 220 }}
          value={action}
          onChange={(v) => {
            setAction(v);
            setPage(1);
          }}
          options={actions.data?.items.map((a) => ({ value: a, label: auditLabel(t, a) }))}
        />
        <Input.Search
          placeholder={t('audit.filterActor')}
          allowClear
          onSearch={(v) => {
            setActor(v);
            setPage(1);
          }}
          style={{ width: 220 }}
        />
        <DatePicker.RangePicker
          showTime
          onChange={(v) => {
            setRange(v);
            setPage(1);
          }}
        />
      </Space>
      <Table<AuditEntry>
        rowKey="id"
        size="small"
        loading={entries.isLoading}
        dataSource={entries.data?.items}
        pagination={{
          current: page,
          pageSize: PAGE,
          total: entries.data?.total,
          onChange: setPage,
          showSizeChanger: false,
          showTotal: (count) => t('common.total', { count }),
        }}
        expandable={{
          rowExpandable: (e) => e.before != null || e.after != null || e.details != null,
          expandedRowRender: (e) => (
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t('audit.before')}>
                <Typography.Text code>{json(e.before)}</Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('audit.after')}>
                <Typography.Text code>{json(e.after)}</Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('audit.details')}>
                <Typography.Text code>{json(e.details)}</Typography.Text>
              </Descriptions.Item>
            </Descriptions>
          ),
        }}
        columns={[
          { title: t('audit.time'), dataIndex: 'at', render: (v: string) => formatDateTime(v, i18n.language) },
          { title: t('audit.actor'), dataIndex: 'actorLabel' },
          {
            title: t('audit.action'),
            dataIndex: 'action',
            render: (a: string) => <Typography.Text title={a}>{auditLabel(t, a)}</Typography.Text>,
          },
          { title: t('audit.target'), render: (_, e) => (e.targetType ? `${e.targetType} #${e.targetId}` : '—') },
          { title: t('audit.ip'), dataIndex: 'ip' },
        ]}
      />
    </Card>
  );
}
