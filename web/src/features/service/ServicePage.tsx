import { Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { AfterSalesReportTab } from './AfterSalesReportTab.tsx';
import { DeskSettingsTab } from './DeskSettingsTab.tsx';
import { InboxTab } from './InboxTab.tsx';
import { KnowledgeTab } from './KnowledgeTab.tsx';
import { ReportTab } from './ReportTab.tsx';
import { ReturnsTab } from './ReturnsTab.tsx';

/**
 * The service desk: the agents' inbox, returns and exchanges, the knowledge base, the desk's and the after-sales reports,
 * and its settings (queues, hours, SLAs, macros, CSAT).
 */
export function ServicePage() {
  const { t } = useTranslation();
  return (
    <>
      <Typography.Title level={3}>{t('service.title')}</Typography.Title>
      <Tabs
        destroyInactiveTabPane
        items={[
          { key: 'inbox', label: t('service.tabs.inbox'), children: <InboxTab /> },
          { key: 'returns', label: t('service.tabs.returns'), children: <ReturnsTab /> },
          { key: 'knowledge', label: t('service.tabs.knowledge'), children: <KnowledgeTab /> },
          { key: 'report', label: t('service.tabs.report'), children: <ReportTab /> },
          { key: 'afterSales', label: t('service.tabs.afterSales'), children: <AfterSalesReportTab /> },
          { key: 'settings', label: t('service.tabs.settings'), children: <DeskSettingsTab /> },
        ]}
      />
    </>
  );
}
