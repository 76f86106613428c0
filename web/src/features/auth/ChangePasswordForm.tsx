import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';

export function ChangePasswordForm() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const submit = async (values: { currentPassword: string; newPassword: string }) => {
    try {
      await api('/auth/password', { method: 'POST', body: values });
      message.success(t('password.changed'));
      await client.invalidateQueries({ queryKey: ['me'] });
    } catch (e) {
      message.error(errorMessage(t, e));
    }
  };
  return (
    <Card title={t('password.title')}>
      <Form layout="vertical" onFinish={submit}>
        <Form.Item name="currentPassword" label={t('password.current')} rules={[{ required: true }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('password.new')} rules={[{ required: true, min: 10 }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('password.submit')}
        </Button>
      </Form>
    </Card>
  );
}
