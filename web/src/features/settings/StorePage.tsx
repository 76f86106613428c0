import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Skeleton } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api.ts';
import { type Store, useStore } from '../../lib/store.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';
import { IdentityRulesCard } from './IdentityRulesCard.tsx';
import { LifecycleCard } from './LifecycleCard.tsx';

export function StorePage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const store = useStore();
  const save = useMutation({
    mutationFn: (body: Store) => api<Store>('/settings/store', { method: 'PUT', body }),
    onSuccess: () => {
      message.success(t('store.saved'));
      client.invalidateQueries({ queryKey: ['store'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  if (store.isLoading || !store.data) return <Skeleton active />;
  const readOnly = !can('settings.manage');
  return (
    <>
      <Card title={t('store.title')} style={{ maxWidth: 560 }}>
        <Form layout="vertical" initialValues={store.data} onFinish={(v: Store) => save.mutate(v)} disabled={readOnly}>
          <Form.Item name="name" label={t('store.name')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="currency" label={t('store.currency')} rules={[{ required: true, pattern: /^[A-Z]{3}$/ }]}>
            <Input maxLength={3} />
          </Form.Item>
          <Form.Item name="timeZone" label={t('store.timeZone')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('store.save')}
          </Button>
        </Form>
      </Card>
      <IdentityRulesCard />
      <LifecycleCard readOnly={readOnly} />
    </>
  );
}
