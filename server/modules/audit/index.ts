import { defineModule } from '../../module.ts';
import { auditRoutes } from './audit.routes.ts';

export const auditModule = defineModule({ name: 'audit', routes: auditRoutes });
export { listAudit, recordAudit } from './audit.service.ts';
export type { RecordAuditOptions } from './audit.service.ts';
