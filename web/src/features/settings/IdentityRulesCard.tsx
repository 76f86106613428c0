import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Card, Space, Switch, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { identityRules } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';

type Rules = z.infer<typeof identityRules>;

/** Which identifiers link incoming data to an existing person. */
export function IdentityRulesCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const rules = useQuery({ queryKey: ['identity-rules'], queryFn: () => api<Rules>('/settings/identity') });
  const save = useMutation({
    mutationFn: (body: Rules) => api<Rules>('/settings/identity', { method: 'PUT', body }),
    onSuccess: (r) => {
      client.setQueryData(['identity-rules'], r);
      message.success(t('store.saved'));
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const readOnly = !can('settings.manage');
  const toggle = (key: keyof Rules) => (on: boolean) => rules.data && save.mutate({ ...rules.data, [key]: on });
  return (
    <Card title={t('identityRules.title')} style={{ maxWidth: 560, marginTop: 16 }} loading={rules.isLoading}>
      <Typography.Paragraph type="secondary">{t('identityRules.help')}</Typography.Paragraph>
      <Space direction="vertical">
        {(['linkByPhone', 'linkByEmail'] as const).map((key) => (
          <Space key={key}>
            <Switch checked={rules.data?.[key]} disabled={readOnly} loading={save.isPending} onChange={toggle(key)} />
            {t(`identityRules.${key}`)}
          </Space>
        ))}
      </Space>
    </Card>
  );
}
