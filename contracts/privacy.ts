import { z } from 'zod';

/** Optional retention rule (PIPL 19 / GDPR 5): anonymise customers inactive for N months. Off by default. */
export const retention = z.strictObject({ inactiveMonths: z.number().int().min(6).max(240).nullable() });
export type Retention = z.infer<typeof retention>;
import { pageQuery } from './common.ts';

export const consentChannel = z.enum(['sms', 'email', 'wechat', 'phone', 'push', 'any']);
export const consentPurpose = z.enum(['marketing', 'service', 'analytics', 'sharing', 'cross_border', 'sensitive']);
export const consentBody = z.strictObject({
  channel: consentChannel,
  purpose: consentPurpose,
  status: z.enum(['granted', 'withdrawn', 'denied']),
  source: z.string().trim().min(1).max(100).describe('Where it was given: checkout form, store counter, SMS reply R …'),
  evidence: z.string().max(2000).optional().describe('Proof: the wording shown, a form id, the reply text'),
});
const consentView = z.object({
  channel: z.string(),
  purpose: z.string(),
  status: z.string(),
  source: z.string(),
  evidence: z.string().nullable(),
  actor: z.string(),
  recordedAt: z.string(),
});
export const consentState = z.object({ current: z.array(consentView), ledger: z.array(consentView) });
export const eraseResult = z.object({ requestId: z.number().int(), identities: z.number().int(), eventsScrubbed: z.number().int() });
export const privacyRequestList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      customerId: z.number().int().nullable(),
      kind: z.string(),
      status: z.string(),
      source: z.string(),
      actor: z.string(),
      requestedAt: z.string(),
      dueAt: z.string(),
      completedAt: z.string().nullable(),
      result: z.unknown(),
    }),
  ),
});
export const privacyRequestQuery = z.strictObject({ ...pageQuery });
