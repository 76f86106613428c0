/** Roles, permissions and the matrix between them — shared by server (enforcement) and web (navigation). */

export const ROLES = ['owner', 'admin', 'marketer', 'service_agent', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'dashboard.view',
  'customers.read',
  'customers.write',
  'customers.export',
  'pii.read',
  'privacy.manage',
  'segments.read',
  'segments.write',
  'analytics.read',
  'marketing.read',
  'marketing.write',
  'automation.read',
  'automation.write',
  'loyalty.read',
  'loyalty.write',
  'service.read',
  'service.write',
  'surveys.read',
  'surveys.write',
  'settings.read',
  'settings.manage',
  'users.manage',
  'apikeys.manage',
  'audit.read',
  'jobs.read',
  'jobs.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_ALL: Permission[] = [
  'dashboard.view',
  'customers.read',
  'segments.read',
  'analytics.read',
  'marketing.read',
  'automation.read',
  'loyalty.read',
  'service.read',
  'surveys.read',
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  marketer: [
    ...READ_ALL,
    'customers.write',
    'customers.export',
    'segments.write',
    'marketing.write',
    'automation.write',
    'loyalty.write',
    'surveys.write',
    'settings.read',
  ],
  service_agent: [
    'dashboard.view',
    'customers.read',
    'customers.write',
    'pii.read',
    'loyalty.read',
    'service.read',
    'service.write',
    'surveys.read',
  ],
  analyst: READ_ALL,
};

export const roleHas = (role: Role, permission: Permission): boolean => ROLE_PERMISSIONS[role].includes(permission);
