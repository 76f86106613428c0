import { auditActions, auditPage, auditQuery } from '../../../contracts/audit.ts';
import { defineRoute } from '../../http/route.ts';
import { listAudit, listAuditActions } from './audit.service.ts';

export const auditRoutes = [
  defineRoute({
    method: 'GET',
    url: '/audit',
    access: 'audit.read',
    tag: 'audit',
    summary: 'List audit entries, newest first, filtered by action prefix, actor, target type and time',
    query: auditQuery,
    response: auditPage,
    handler: ({ ctx, query }) => listAudit(ctx.db, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/audit/actions',
    access: 'audit.read',
    tag: 'audit',
    summary: 'Distinct audit actions (for the filter)',
    response: auditActions,
    handler: async ({ ctx }) => ({ items: await listAuditActions(ctx.db) }),
  }),
];
