import { UploadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Input, Modal, Select, Space, Table, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { socialImportResult } from '../../../../contracts/social.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';

type Result = z.infer<typeof socialImportResult>;

/** Posts or reviews from a platform's CSV export; what was recorded and every rejected row with its reason. */
export function SocialImport() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [type, setType] = useState<'posts' | 'reviews'>('reviews');
  const [platform, setPlatform] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const upload = useMutation({
    mutationFn: (file: File) =>
      api<Result>('/social/import', {
        method: 'POST',
        query: { type, platform: platform.trim() || undefined },
        raw: { body: file, contentType: 'text/csv' },
      }),
    onSuccess: (r) => {
      setResult(r);
      void client.invalidateQueries({ queryKey: ['social'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  return (
    <Space.Compact data-testid="social-import">
      <Select
        value={type}
        onChange={setType}
        style={{ width: 110 }}
        options={(['reviews', 'posts'] as const).map((x) => ({ value: x, label: t(`social.import.${x}`) }))}
      />
      <Input
        style={{ width: 150 }}
        placeholder={t('social.import.platform')}
        value={platform}
        onChange={(e) => setPlatform(e.target.value)}
      />
      <Upload
        accept=".csv,text/csv"
        showUploadList={false}
        beforeUpload={(file) => {
          upload.mutate(file);
          return false;
        }}
      >
        <Button icon={<UploadOutlined />} loading={upload.isPending}>
          {t('social.import.upload')}
        </Button>
      </Upload>
      <Modal open={result !== null} onCancel={() => setResult(null)} footer={null} title={t('social.import.title')} width={720}>
        {result && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Alert
              type={result.rejected > 0 ? 'warning' : 'success'}
              showIcon
              message={t('social.import.summary', {
                rows: result.rows,
                created: result.created,
                updated: result.updated,
                rejected: result.rejected,
              })}
            />
            {result.problems.length > 0 && (
              <Table
                size="small"
                rowKey={(p) => `${p.row}:${p.column}`}
                pagination={{ pageSize: 20 }}
                dataSource={result.problems}
                columns={[
                  { title: t('social.import.row'), dataIndex: 'row', width: 70 },
                  { title: t('social.import.column'), dataIndex: 'column', width: 140, render: (c: string | null) => c ?? '—' },
                  { title: t('social.import.reason'), dataIndex: 'reason' },
                ]}
              />
            )}
          </Space>
        )}
      </Modal>
    </Space.Compact>
  );
}
