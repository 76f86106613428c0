import {
  BarChartOutlined,
  CustomerServiceOutlined,
  DashboardOutlined,
  FormOutlined,
  GiftOutlined,
  NodeIndexOutlined,
  NotificationOutlined,
  PartitionOutlined,
  ShoppingOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Permission } from '../../../contracts/permissions.ts';
import { AnalyticsPage } from '../features/analytics/AnalyticsPage.tsx';
import { CustomerDetailPage } from '../features/customers/CustomerDetailPage.tsx';
import { CustomersPage } from '../features/customers/CustomersPage.tsx';
import { ImportPage } from '../features/customers/ImportPage.tsx';
import { QualityPage } from '../features/customers/QualityPage.tsx';
import { DuplicatesPage } from '../features/customers/DuplicatesPage.tsx';
import { DashboardPage } from '../features/dashboard/DashboardPage.tsx';
import { OrdersPage } from '../features/orders/OrdersPage.tsx';
import { SegmentEditorPage } from '../features/segments/SegmentEditorPage.tsx';
import { SegmentsPage } from '../features/segments/SegmentsPage.tsx';
import { NotBuiltPage } from '../features/placeholder/NotBuiltPage.tsx';
import { ApiKeysPage } from '../features/settings/ApiKeysPage.tsx';
import { AttributesPage } from '../features/settings/AttributesPage.tsx';
import { AuditPage } from '../features/settings/AuditPage.tsx';
import { JobsPage } from '../features/settings/JobsPage.tsx';
import { SourcesPage } from '../features/settings/SourcesPage.tsx';
import { StorePage } from '../features/settings/StorePage.tsx';
import { UsersPage } from '../features/settings/UsersPage.tsx';

export type Area = { path: string; labelKey: string; icon: ReactNode; permission: Permission; element: ReactNode };

/** Every area of the product; the ones not built yet say so plainly. */
export const AREAS: Area[] = [
  { path: '/dashboard', labelKey: 'nav.dashboard', icon: <DashboardOutlined />, permission: 'dashboard.view', element: <DashboardPage /> },
  { path: '/customers', labelKey: 'nav.customers', icon: <TeamOutlined />, permission: 'customers.read', element: <CustomersPage /> },
  { path: '/orders', labelKey: 'nav.orders', icon: <ShoppingOutlined />, permission: 'customers.read', element: <OrdersPage /> },
  { path: '/segments', labelKey: 'nav.segments', icon: <PartitionOutlined />, permission: 'segments.read', element: <SegmentsPage /> },
  { path: '/analytics', labelKey: 'nav.analytics', icon: <BarChartOutlined />, permission: 'analytics.read', element: <AnalyticsPage /> },
  { path: '/marketing', labelKey: 'nav.marketing', icon: <NotificationOutlined />, permission: 'marketing.read', element: <NotBuiltPage areaKey="nav.marketing" /> },
  { path: '/automation', labelKey: 'nav.automation', icon: <NodeIndexOutlined />, permission: 'automation.read', element: <NotBuiltPage areaKey="nav.automation" /> },
  { path: '/loyalty', labelKey: 'nav.loyalty', icon: <GiftOutlined />, permission: 'loyalty.read', element: <NotBuiltPage areaKey="nav.loyalty" /> },
  { path: '/service', labelKey: 'nav.service', icon: <CustomerServiceOutlined />, permission: 'service.read', element: <NotBuiltPage areaKey="nav.service" /> },
  { path: '/surveys', labelKey: 'nav.surveys', icon: <FormOutlined />, permission: 'surveys.read', element: <NotBuiltPage areaKey="nav.surveys" /> },
];

export type SettingsPage = { path: string; labelKey: string; permission: Permission | null; element: ReactNode };

export const SETTINGS_PAGES: SettingsPage[] = [
  { path: '/settings/store', labelKey: 'nav.settingsStore', permission: null, element: <StorePage /> },
  { path: '/settings/users', labelKey: 'nav.settingsUsers', permission: 'users.manage', element: <UsersPage /> },
  { path: '/settings/api-keys', labelKey: 'nav.settingsApiKeys', permission: 'apikeys.manage', element: <ApiKeysPage /> },
  { path: '/settings/sources', labelKey: 'nav.settingsSources', permission: 'settings.manage', element: <SourcesPage /> },
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
];
