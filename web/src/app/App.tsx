import { App as AntApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage.tsx';
import { useSession } from '../lib/session.ts';
import { Shell } from './Shell.tsx';
import { AREAS, DETAIL_PAGES, SETTINGS_PAGES } from './routes.tsx';

export function App() {
  const { i18n } = useTranslation();
  const { me, isLoading } = useSession();
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} theme={{ token: { colorPrimary: '#c2410c' } }}>
      <AntApp>
        {isLoading ? (
          <Spin fullscreen />
        ) : !me ? (
          <LoginPage />
        ) : (
          <Routes>
            <Route element={<Shell />}>
              <Route index element={<Navigate to="/dashboard" replace />} />
              {AREAS.map((a) => (
                <Route key={a.path} path={a.path} element={a.element} />
              ))}
              {DETAIL_PAGES.map((p) => (
                <Route key={p.path} path={p.path} element={p.element} />
              ))}
              {SETTINGS_PAGES.map((p) => (
                <Route key={p.path} path={p.path} element={p.element} />
              ))}
              <Route path="/settings" element={<Navigate to={SETTINGS_PAGES[0].path} replace />} />
              <Route path="*" element={<Navigate to="/dashboard" replace />} />
            </Route>
          </Routes>
        )}
      </AntApp>
    </ConfigProvider>
  );
}
