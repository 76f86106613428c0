import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

export const auditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actorType: z.enum(['user', 'api_key', 'system']),
  actorId: z.number().int().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  details: z.unknown().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditQuery = z.strictObject({
  ...pageQuery,
  action: z.string().max(100).optional(),
  actor: z.string().max(200).optional(),
  targetType: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const auditPage = pageOf(auditEntry);
export const auditActions = z.object({ items: z.array(z.string()) });
