import { Alert, Button, Card, Form, Input, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrincipalBody } from '../../../../contracts/auth.ts';
import { LANGUAGES, type Language, setLanguage } from '../../app/i18n.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const { setMe } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values: { email: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      setMe(await api<PrincipalBody>('/auth/login', { method: 'POST', body: values }));
    } catch (e) {
      setError(errorMessage(t, e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#fff7ed' }}>
      <Card
        title={t('login.title')}
        style={{ width: 380 }}
        extra={
          <Select<Language>
            size="small"
            value={i18n.language as Language}
            onChange={(l) => setLanguage(l)}
            options={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
          />
        }
      >
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item name="email" label={t('login.email')} rules={[{ required: true, message: t('login.required') }]}>
            <Input autoComplete="username" data-testid="login-email" />
          </Form.Item>
          <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.required') }]}>
            <Input.Password autoComplete="current-password" data-testid="login-password" />
          </Form.Item>
          <Space direction="vertical" style={{ width: '100%' }}>
            {error && <Alert type="error" message={t('login.failed', { message: error })} />}
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
              {t('login.submit')}
            </Button>
          </Space>
        </Form>
      </Card>
    </div>
  );
}
