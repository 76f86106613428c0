import { Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { DeskSettingsTab } from './DeskSettingsTab.tsx';
import { InboxTab } from './InboxTab.tsx';
import { ReportTab } from './ReportTab.tsx';

/** The service desk: the agents' inbox, the desk's report, and its settings (queues, hours, SLAs, macros, CSAT). */
export function ServicePage() {
  const { t } = useTranslation();
  return (
    <>
      <Typography.Title level={3}>{t('service.title')}</Typography.Title>
      <Tabs
        destroyInactiveTabPane
        items={[
          { key: 'inbox', label: t('service.tabs.inbox'), children: <InboxTab /> },
          { key: 'report', label: t('service.tabs.report'), children: <ReportTab /> },
          { key: 'settings', label: t('service.tabs.settings'), children: <DeskSettingsTab /> },
        ]}
      />
    </>
  );
}
