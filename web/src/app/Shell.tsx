import { LogoutOutlined, SettingOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Grid, Layout, Menu, Select, Space, Spin, Typography } from 'antd';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { ChangePasswordForm } from '../features/auth/ChangePasswordForm.tsx';
import { api } from '../lib/api.ts';
import { useSession } from '../lib/session.ts';
import { LANGUAGES, type Language, setLanguage } from './i18n.ts';
import { AREAS, SETTINGS_PAGES } from './routes.tsx';

export function Shell() {
  const { t, i18n } = useTranslation();
  const { me, can } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();
  // On a phone (390 px) the menu folds away, the header keeps the language and sign-out, and the content pads less.
  const wide = Grid.useBreakpoint().md ?? true;
  const settings = SETTINGS_PAGES.filter((p) => !p.permission || can(p.permission));
  const items = [
    ...AREAS.filter((a) => can(a.permission)).map((a) => ({
      key: a.path,
      icon: a.icon,
      label: t(a.labelKey),
    })),
    {
      key: '/settings',
      icon: <SettingOutlined />,
      label: t('nav.settings'),
      children: settings.map((p) => ({ key: p.path, label: t(p.labelKey) })),
    },
  ];
  const signOut = async () => {
    await api('/auth/logout', { method: 'POST' });
    client.clear();
    client.setQueryData(['me'], null);
    navigate('/');
  };
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={220} theme="light" breakpoint="lg" collapsedWidth={0}>
        <Typography.Title level={4} style={{ padding: '16px 20px', margin: 0 }}>
          {t('app.name')}
        </Typography.Title>
        <Menu
          mode="inline"
          selectedKeys={[location.pathname.startsWith('/customers/') ? '/customers' : location.pathname]}
          defaultOpenKeys={location.pathname.startsWith('/settings') ? ['/settings'] : []}
          items={items}
          onClick={(e) => navigate(e.key)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: '#fff', display: 'flex', justifyContent: 'flex-end', alignItems: 'center', paddingInline: wide ? 24 : 8 }}
        >
          <Space size={wide ? 'middle' : 'small'}>
            <Select<Language>
              aria-label={t('app.language')}
              data-testid="language-select"
              value={i18n.language as Language}
              onChange={(lng) => setLanguage(lng)}
              options={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
              style={{ width: wide ? 120 : 96 }}
            />
            {wide && <Typography.Text>{me?.name}</Typography.Text>}
            <Button icon={<LogoutOutlined />} onClick={signOut} aria-label={t('app.signOut')}>
              {wide && t('app.signOut')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: wide ? 24 : 8 }}>
          {me?.mustChangePassword ? (
            <Space direction="vertical" style={{ width: '100%', maxWidth: 480 }}>
              <Alert type="warning" showIcon message={t('password.mustChange')} />
              <ChangePasswordForm />
            </Space>
          ) : (
            <Suspense fallback={<Spin style={{ display: 'block', margin: '64px auto' }} />}>
              <Outlet />
            </Suspense>
          )}
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
