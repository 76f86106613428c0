import { UploadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Popconfirm, Select, Space, Table, Tag, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { importList } from '../../../../contracts/imports.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { type Encoding, type ImportChoices, ImportSetup, type Uploaded } from './ImportSetup.tsx';

type Kind = 'customers' | 'orders' | 'products' | 'events';
type ImportRow = z.infer<typeof importList>['items'][number];

const uploadFile = (file: File, kind: Kind) =>
  api<Uploaded>('/imports/upload', { method: 'POST', query: { kind, fileName: file.name }, raw: { body: file, contentType: 'text/csv' } });

const freshChoices = (u: Uploaded): ImportChoices => ({
  mapping: u.suggested,
  attributes: {},
  channel: '',
  dateFormat: '',
  returnsPrefix: '',
  updateExisting: false,
});

/** CSV import: upload, check the suggested mapping against a preview, run as a job, watch progress, undo. */
export function ImportPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [kind, setKind] = useState<Kind>('orders');
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const [choices, setChoices] = useState<ImportChoices | null>(null);
  const imports = useQuery({ queryKey: ['imports'], queryFn: () => api<z.infer<typeof importList>>('/imports'), refetchInterval: 2000 });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const show = (u: Uploaded) => {
    setUploaded(u);
    setChoices(freshChoices(u));
  };
  const reread = (encoding: Encoding) => {
    if (uploaded) api<Uploaded>(`/imports/upload/${uploaded.uploadId}`, { query: { kind, encoding } }).then(show, onError);
  };
  const start = async () => {
    if (!uploaded || !choices) return;
    try {
      const attributes = Object.keys(choices.attributes).length > 0 ? choices.attributes : undefined;
      await api('/imports', {
        method: 'POST',
        body: {
          uploadId: uploaded.uploadId,
          kind,
          mapping: choices.mapping,
          channel: choices.channel || undefined,
          dateFormat: choices.dateFormat || undefined,
          encoding: uploaded.encoding,
          returnsPrefix: choices.returnsPrefix || undefined,
          updateExisting: choices.updateExisting || undefined,
          attributes,
        },
      });
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
  const rejectedUrl = (id: number, reveal: boolean) =>
    `/api/v1/imports/${id}/errors?lang=${i18n.language === 'en' ? 'en' : 'zh-CN'}${reveal ? '&reveal=true' : ''}`;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('imports.title')}>
        <Space wrap>
          <Select<Kind>
            value={kind}
            style={{ width: 160 }}
            onChange={(k) => {
              setKind(k);
              setUploaded(null);
            }}
            options={(['customers', 'orders', 'products', 'events'] as const).map((k) => ({ value: k, label: t(`imports.kinds.${k}`) }))}
          />
          <Upload
            accept=".csv,text/csv"
            showUploadList={false}
            beforeUpload={(file) => {
              uploadFile(file, kind).then(show, onError);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />}>{t('imports.choose')}</Button>
          </Upload>
        </Space>
        {uploaded && choices && (
          <>
            <ImportSetup uploaded={uploaded} choices={choices} onChange={setChoices} onEncoding={reread} kind={kind} />
            <Button type="primary" style={{ marginTop: 16 }} onClick={start}>
              {t('imports.start')}
            </Button>
          </>
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
            {
              title: t('imports.status'),
              dataIndex: 'status',
              render: (s: string) => (
                <Tag color={s === 'completed_with_errors' || s === 'failed' ? 'orange' : undefined}>{t(`imports.statuses.${s}`)}</Tag>
              ),
            },
            {
              title: t('imports.counts'),
              render: (_, r) => (
                <>
                  {t('imports.countsValue', { rows: r.rows, created: r.created, updated: r.updated, skipped: r.skipped, failed: r.failed })}
                  {r.unlinkedReturns > 0 && <div>{t('imports.unlinkedReturns', { count: r.unlinkedReturns })}</div>}
                </>
              ),
            },
            { title: t('imports.startedAt'), dataIndex: 'startedAt', render: (v: string) => formatDateTime(v, i18n.language) },
            {
              title: t('common.actions'),
              render: (_, r) => (
                <Space>
                  {r.failed > 0 && (
                    <Button size="small" type="link" href={rejectedUrl(r.id, false)}>
                      {t('imports.errors')}
                    </Button>
                  )}
                  {r.failed > 0 && can('pii.read') && (
                    <Button size="small" type="link" href={rejectedUrl(r.id, true)}>
                      {t('imports.errorsRevealed')}
                    </Button>
                  )}
                  {r.status !== 'undone' && (
                    <Popconfirm
                      title={t('imports.undoConfirm')}
                      onConfirm={() => undo(r.id)}
                      okText={t('common.confirm')}
                      cancelText={t('common.cancel')}
                    >
                      <Button size="small" danger>
                        {t('imports.undo')}
                      </Button>
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
