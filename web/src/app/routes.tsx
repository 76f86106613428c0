import {
  BarChartOutlined,
  CheckSquareOutlined,
  CustomerServiceOutlined,
  DashboardOutlined,
  CommentOutlined,
  FormOutlined,
  GiftOutlined,
  NodeIndexOutlined,
  NotificationOutlined,
  PartitionOutlined,
  ShoppingOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { type ComponentType, type ReactNode, lazy } from 'react';
import type { Permission } from '../../../contracts/permissions.ts';

/**
 * A page loaded when first opened: each page is its own chunk, so the first screen does not wait for every page's
 * code (the admin was one 2.3 MB bundle).
 */
function page<K extends string, P extends object>(load: () => Promise<Record<K, ComponentType<P>>>, name: K) {
  return lazy(() => load().then((m) => ({ default: m[name] })));
}

const AnalyticsPage = page(() => import('../features/analytics/AnalyticsPage.tsx'), 'AnalyticsPage');
const CustomerDetailPage = page(() => import('../features/customers/CustomerDetailPage.tsx'), 'CustomerDetailPage');
const CustomersPage = page(() => import('../features/customers/CustomersPage.tsx'), 'CustomersPage');
const ImportPage = page(() => import('../features/customers/ImportPage.tsx'), 'ImportPage');
const QualityPage = page(() => import('../features/customers/QualityPage.tsx'), 'QualityPage');
const DuplicatesPage = page(() => import('../features/customers/DuplicatesPage.tsx'), 'DuplicatesPage');
const DashboardPage = page(() => import('../features/dashboard/DashboardPage.tsx'), 'DashboardPage');
const OrdersPage = page(() => import('../features/orders/OrdersPage.tsx'), 'OrdersPage');
const SegmentEditorPage = page(() => import('../features/segments/SegmentEditorPage.tsx'), 'SegmentEditorPage');
const SegmentsPage = page(() => import('../features/segments/SegmentsPage.tsx'), 'SegmentsPage');
const SocialPage = page(() => import('../features/social/SocialPage.tsx'), 'SocialPage');
const SurveysPage = page(() => import('../features/surveys/SurveysPage.tsx'), 'SurveysPage');
const ApiKeysPage = page(() => import('../features/settings/ApiKeysPage.tsx'), 'ApiKeysPage');
const AttributesPage = page(() => import('../features/settings/AttributesPage.tsx'), 'AttributesPage');
const AuditPage = page(() => import('../features/settings/AuditPage.tsx'), 'AuditPage');
const IntegrationsPage = page(() => import('../features/settings/IntegrationsPage.tsx'), 'IntegrationsPage');
const PrivacyPage = page(() => import('../features/settings/PrivacyPage.tsx'), 'PrivacyPage');
const JobsPage = page(() => import('../features/settings/JobsPage.tsx'), 'JobsPage');
const JourneyEditorPage = page(() => import('../features/journeys/JourneyEditorPage.tsx'), 'JourneyEditorPage');
const TasksPage = page(() => import('../features/journeys/TasksPage.tsx'), 'TasksPage');
const JourneysPage = page(() => import('../features/journeys/JourneysPage.tsx'), 'JourneysPage');
const CampaignsPage = page(() => import('../features/campaigns/CampaignsPage.tsx'), 'CampaignsPage');
const CampaignWizardPage = page(() => import('../features/campaigns/CampaignWizardPage.tsx'), 'CampaignWizardPage');
const CampaignReportPage = page(() => import('../features/campaigns/CampaignReportPage.tsx'), 'CampaignReportPage');
const LoyaltyPage = page(() => import('../features/loyalty/LoyaltyPage.tsx'), 'LoyaltyPage');
const ServicePage = page(() => import('../features/service/ServicePage.tsx'), 'ServicePage');
const MessagingPage = page(() => import('../features/messaging/MessagingPage.tsx'), 'MessagingPage');
const SourcesPage = page(() => import('../features/settings/SourcesPage.tsx'), 'SourcesPage');
const StorePage = page(() => import('../features/settings/StorePage.tsx'), 'StorePage');
const UsersPage = page(() => import('../features/settings/UsersPage.tsx'), 'UsersPage');
const WebhooksPage = page(() => import('../features/settings/WebhooksPage.tsx'), 'WebhooksPage');

export type Area = { path: string; labelKey: string; icon: ReactNode; permission: Permission; element: ReactNode };

/** Every area of the product, in the menu's order. */
export const AREAS: Area[] = [
  { path: '/dashboard', labelKey: 'nav.dashboard', icon: <DashboardOutlined />, permission: 'dashboard.view', element: <DashboardPage /> },
  { path: '/customers', labelKey: 'nav.customers', icon: <TeamOutlined />, permission: 'customers.read', element: <CustomersPage /> },
  { path: '/orders', labelKey: 'nav.orders', icon: <ShoppingOutlined />, permission: 'customers.read', element: <OrdersPage /> },
  { path: '/segments', labelKey: 'nav.segments', icon: <PartitionOutlined />, permission: 'segments.read', element: <SegmentsPage /> },
  { path: '/analytics', labelKey: 'nav.analytics', icon: <BarChartOutlined />, permission: 'analytics.read', element: <AnalyticsPage /> },
  {
    path: '/automation',
    labelKey: 'nav.automation',
    icon: <NodeIndexOutlined />,
    permission: 'automation.read',
    element: <JourneysPage />,
  },
  { path: '/tasks', labelKey: 'nav.tasks', icon: <CheckSquareOutlined />, permission: 'automation.read', element: <TasksPage /> },
  {
    path: '/marketing',
    labelKey: 'nav.marketing',
    icon: <NotificationOutlined />,
    permission: 'marketing.read',
    element: <CampaignsPage />,
  },
  { path: '/loyalty', labelKey: 'nav.loyalty', icon: <GiftOutlined />, permission: 'loyalty.read', element: <LoyaltyPage /> },
  {
    path: '/service',
    labelKey: 'nav.service',
    icon: <CustomerServiceOutlined />,
    permission: 'service.read',
    element: <ServicePage />,
  },
  { path: '/surveys', labelKey: 'nav.surveys', icon: <FormOutlined />, permission: 'surveys.read', element: <SurveysPage /> },
  { path: '/social', labelKey: 'nav.social', icon: <CommentOutlined />, permission: 'service.read', element: <SocialPage /> },
];

export type SettingsPage = { path: string; labelKey: string; permission: Permission | null; element: ReactNode };

export const SETTINGS_PAGES: SettingsPage[] = [
  { path: '/settings/store', labelKey: 'nav.settingsStore', permission: null, element: <StorePage /> },
  { path: '/settings/users', labelKey: 'nav.settingsUsers', permission: 'users.manage', element: <UsersPage /> },
  { path: '/settings/api-keys', labelKey: 'nav.settingsApiKeys', permission: 'apikeys.manage', element: <ApiKeysPage /> },
  { path: '/settings/sources', labelKey: 'nav.settingsSources', permission: 'settings.manage', element: <SourcesPage /> },
  { path: '/settings/integrations', labelKey: 'nav.settingsIntegrations', permission: 'settings.manage', element: <IntegrationsPage /> },
  { path: '/settings/webhooks', labelKey: 'nav.settingsWebhooks', permission: 'settings.read', element: <WebhooksPage /> },
  { path: '/settings/privacy', labelKey: 'nav.settingsPrivacy', permission: 'privacy.manage', element: <PrivacyPage /> },
  { path: '/settings/messaging', labelKey: 'nav.settingsMessaging', permission: 'marketing.read', element: <MessagingPage /> },
  { path: '/settings/attributes', labelKey: 'nav.settingsAttributes', permission: 'settings.manage', element: <AttributesPage /> },
  { path: '/settings/audit', labelKey: 'nav.settingsAudit', permission: 'audit.read', element: <AuditPage /> },
  { path: '/settings/jobs', labelKey: 'nav.settingsJobs', permission: 'jobs.read', element: <JobsPage /> },
];

/** Pages reached from a list rather than the menu. */
export const DETAIL_PAGES: { path: string; element: ReactNode }[] = [
  { path: '/customers/quality', element: <QualityPage /> },
  { path: '/customers/duplicates', element: <DuplicatesPage /> },
  { path: '/customers/import', element: <ImportPage /> },
  { path: '/customers/:id', element: <CustomerDetailPage /> },
  { path: '/segments/:id', element: <SegmentEditorPage /> },
  { path: '/automation/:id', element: <JourneyEditorPage /> },
  { path: '/marketing/new', element: <CampaignWizardPage /> },
  { path: '/marketing/:id/edit', element: <CampaignWizardPage /> },
  { path: '/marketing/:id', element: <CampaignReportPage /> },
];
