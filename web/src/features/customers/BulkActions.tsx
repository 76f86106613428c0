import { useQuery } from '@tanstack/react-query';
import { App, Button, Input, Modal, Popconfirm, Progress, Radio, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { customerFilter, operationBody } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';

type Operation = z.infer<typeof operationBody>;
type Filter = z.infer<typeof customerFilter>;

/** Bulk tag and export of the whole filtered set, with live progress; exports download when done. */
export function BulkActions({ filter, total }: { filter: Filter; total: number }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const language = i18n.language === 'en' ? 'en' : 'zh-CN';
  const { can } = useSession();
  const [opId, setOpId] = useState<number | null>(null);
  const [tagOpen, setTagOpen] = useState(false);
  const [tag, setTag] = useState('');
  const [action, setAction] = useState<'add' | 'remove'>('add');
  const op = useQuery({
    queryKey: ['customer-operation', opId],
    enabled: opId !== null,
    queryFn: () => api<Operation>(`/customer-operations/${opId}`),
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'completed' || q.state.data.status === 'failed') ? false : 1000),
  });
  const start = async (path: string, body: unknown) => {
    try {
      setOpId((await api<Operation>(path, { method: 'POST', body })).id);
    } catch (e) {
      message.error(errorMessage(t, e));
    }
  };
  const o = op.data;
  const percent = o?.total ? Math.round((o.done / o.total) * 100) : o?.status === 'completed' ? 100 : 0;
  return (
    <Space wrap>
      {can('customers.write') && (
        <Button onClick={() => setTagOpen(true)} disabled={total === 0}>
          {t('customers.bulkTag', { count: total })}
        </Button>
      )}
      {can('customers.export') && (
        <Button onClick={() => start('/customers/export', { filter, language })} disabled={total === 0}>
          {t('customers.export', { count: total })}
        </Button>
      )}
      {can('customers.export') && can('pii.read') && (
        <Popconfirm
          title={t('customers.exportRevealConfirm')}
          onConfirm={() => start('/customers/export', { filter, language, reveal: true })}
          okText={t('common.confirm')}
          cancelText={t('common.cancel')}
        >
          <Button disabled={total === 0}>{t('customers.exportRevealed')}</Button>
        </Popconfirm>
      )}
      {o && <Progress percent={percent} size="small" style={{ width: 160 }} status={o.status === 'failed' ? 'exception' : undefined} />}
      {o?.kind === 'export' && o.status === 'completed' && (
        <Button type="link" href={`/api/v1/customer-operations/${o.id}/download`}>
          {t('customers.download')}
        </Button>
      )}
      <Modal
        open={tagOpen}
        title={t('customers.bulkTag', { count: total })}
        onCancel={() => setTagOpen(false)}
        onOk={() => {
          setTagOpen(false);
          if (tag.trim()) start('/customers/bulk-tag', { filter, tag: tag.trim(), action });
        }}
      >
        <Radio.Group
          style={{ marginBottom: 12 }}
          value={action}
          onChange={(e) => setAction(e.target.value)}
          options={[
            { value: 'add', label: t('customers.bulkAdd') },
            { value: 'remove', label: t('customers.bulkRemove') },
          ]}
        />
        <Input value={tag} maxLength={50} placeholder={t('customers.addTag')} onChange={(e) => setTag(e.target.value)} />
      </Modal>
    </Space>
  );
}
