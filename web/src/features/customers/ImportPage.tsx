import { UploadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Popconfirm, Select, Space, Table, Tag, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { importList, uploadResult } from '../../../../contracts/imports.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';

type Kind = 'customers' | 'orders' | 'products' | 'events';
type Uploaded = z.infer<typeof uploadResult>;
type ImportRow = z.infer<typeof importList>['items'][number];

const uploadFile = (file: File, kind: Kind) =>
  api<Uploaded>('/imports/upload', { method: 'POST', query: { kind, fileName: file.name }, raw: { body: file, contentType: 'text/csv' } });

/** CSV import: upload, check the suggested mapping against a preview, run as a job, watch progress, undo. */
export function ImportPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [kind, setKind] = useState<Kind>('orders');
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [channel, setChannel] = useState('');
  const [dateFormat, setDateFormat] = useState('');
  const imports = useQuery({ queryKey: ['imports'], queryFn: () => api<z.infer<typeof importList>>('/imports'), refetchInterval: 2000 });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const start = async () => {
    if (!uploaded) return;
    try {
      await api('/imports', { method: 'POST', body: { uploadId: uploaded.uploadId, kind, mapping, channel: channel || undefined, dateFormat: dateFormat || undefined } });
      message.success(t('imports.started'));
      setUploaded(null);
      client.invalidateQueries({ queryKey: ['imports'] });
    } catch (e) {
      onError(e);
    }
  };
  const undo = async (id: number) => {
    try {
      await api(`/imports/${id}/undo`, { method: 'POST' });
      client.invalidateQueries({ queryKey: ['imports'] });
    } catch (e) {
      onError(e);
    }
  };
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('imports.title')}>
        <Space wrap>
          <Select<Kind> value={kind} style={{ width: 160 }} onChange={(k) => { setKind(k); setUploaded(null); }} options={(['customers', 'orders', 'products', 'events'] as const).map((k) => ({ value: k, label: t(`imports.kinds.${k}`) }))} />
          <Upload
            accept=".csv,text/csv"
            showUploadList={false}
            beforeUpload={(file) => {
              uploadFile(file, kind).then((u) => { setUploaded(u); setMapping(u.suggested); }, onError);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />}>{t('imports.choose')}</Button>
          </Upload>
        </Space>
        {uploaded && (
          <Space direction="vertical" style={{ width: '100%', marginTop: 16 }}>
            <Table
              size="small"
              pagination={false}
              scroll={{ x: true }}
              rowKey={(_, i) => String(i)}
              dataSource={uploaded.preview.map((r) => Object.fromEntries(uploaded.header.map((h, i) => [h, r[i] ?? ''])))}
              columns={uploaded.header.map((h) => ({ title: h, dataIndex: h }))}
            />
            <Form layout="inline">
              {uploaded.targets.map((target) => (
                <Form.Item key={target} label={t(`imports.targets.${target}`)} style={{ marginBottom: 8 }}>
                  <Select allowClear style={{ width: 150 }} value={mapping[target]} onChange={(c) => setMapping((m) => { const next = { ...m }; if (c) next[target] = c; else delete next[target]; return next; })} options={uploaded.header.map((h) => ({ value: h, label: h }))} />
                </Form.Item>
              ))}
            </Form>
            <Space wrap>
              <Input placeholder={t('imports.channel')} value={channel} onChange={(e) => setChannel(e.target.value)} style={{ width: 180 }} />
              <Input placeholder={t('imports.dateFormat')} value={dateFormat} onChange={(e) => setDateFormat(e.target.value)} style={{ width: 220 }} />
              <Button type="primary" onClick={start}>{t('imports.start')}</Button>
            </Space>
          </Space>
        )}
      </Card>
      <Card title={t('imports.history')}>
        <Table<ImportRow>
          rowKey="id"
          size="small"
          dataSource={imports.data?.items}
          pagination={false}
          columns={[
            { title: t('imports.file'), dataIndex: 'fileName' },
            { title: t('imports.kind'), dataIndex: 'kind', render: (k: Kind) => t(`imports.kinds.${k}`) },
            { title: t('imports.status'), dataIndex: 'status', render: (s: string) => <Tag>{t(`imports.statuses.${s}`)}</Tag> },
            { title: t('imports.counts'), render: (_, r) => t('imports.countsValue', { rows: r.rows, created: r.created, updated: r.updated, skipped: r.skipped, failed: r.failed }) },
            { title: t('imports.startedAt'), dataIndex: 'startedAt', render: (v: string) => formatDateTime(v, i18n.language) },
            {
              title: t('common.actions'),
              render: (_, r) => (
                <Space>
                  {r.failed > 0 && <Button size="small" type="link" href={`/api/v1/imports/${r.id}/errors`}>{t('imports.errors')}</Button>}
                  {r.status !== 'undone' && (
                    <Popconfirm title={t('imports.undoConfirm')} onConfirm={() => undo(r.id)} okText={t('common.confirm')} cancelText={t('common.cancel')}>
                      <Button size="small" danger>{t('imports.undo')}</Button>
                    </Popconfirm>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
