export { auditRoutes } from './audit.routes.ts';
export { listAudit, recordAudit } from './audit.service.ts';
export type { RecordAuditOptions } from './audit.service.ts';
