import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Checkbox, Input, Modal, Popconfirm, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { customerViewParams, savedViewList } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';

export type ViewParams = z.input<typeof customerViewParams>;
type View = z.infer<typeof savedViewList>['items'][number];

/** Pick, save and delete saved views of the customers list (its filter and sort order). */
export function SavedViews({ current, onApply }: { current: ViewParams; onApply: (p: ViewParams) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [selected, setSelected] = useState<number | null>(null);
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const views = useQuery({ queryKey: ['customer-views'], queryFn: () => api<{ items: View[] }>('/customer-views') });
  const refresh = () => client.invalidateQueries({ queryKey: ['customer-views'] });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const save = useMutation({
    mutationFn: () => api<View>('/customer-views', { method: 'POST', body: { name: name.trim(), params: current, shared } }),
    onSuccess: (v) => {
      setSaving(false);
      setName('');
      setSelected(v.id);
      message.success(t('views.saved'));
      refresh();
    },
    onError,
  });
  const remove = useMutation({
    mutationFn: (id: number) => api(`/customer-views/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      setSelected(null);
      refresh();
    },
    onError,
  });
  const chosen = views.data?.items.find((v) => v.id === selected);
  return (
    <Space>
      <Select<number>
        allowClear
        placeholder={t('views.choose')}
        style={{ width: 200 }}
        value={selected ?? undefined}
        loading={views.isLoading}
        data-testid="saved-views"
        onChange={(id) => {
          setSelected(id ?? null);
          const v = views.data?.items.find((x) => x.id === id);
          onApply(v ? v.params : {});
        }}
        options={views.data?.items.map((v) => ({ value: v.id, label: v.mine ? v.name : `${v.name} · ${v.owner}` }))}
      />
      {chosen?.mine && (
        <Popconfirm title={t('views.deleteConfirm', { name: chosen.name })} onConfirm={() => remove.mutate(chosen.id)}>
          <Button size="small" danger>
            {t('views.delete')}
          </Button>
        </Popconfirm>
      )}
      <Button onClick={() => setSaving(true)}>{t('views.save')}</Button>
      <Modal
        title={t('views.save')}
        open={saving}
        onCancel={() => setSaving(false)}
        onOk={() => save.mutate()}
        okButtonProps={{ disabled: !name.trim(), loading: save.isPending }}
      >
        <Space direction="vertical" style={{ width: '100%' }}>
          <Input
            placeholder={t('views.name')}
            value={name}
            maxLength={80}
            onChange={(e) => setName(e.target.value)}
            data-testid="view-name"
          />
          <Checkbox checked={shared} onChange={(e) => setShared(e.target.checked)}>
            {t('views.shared')}
          </Checkbox>
        </Space>
      </Modal>
    </Space>
  );
}
