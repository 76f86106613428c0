import { idParams } from '../../../contracts/common.ts';
import { consentBody, consentState, eraseResult, privacyRequestList, privacyRequestQuery } from '../../../contracts/privacy.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { consentsOf, erasePerson, exportPerson, listPrivacyRequests, recordConsent } from './privacy.service.ts';
import { retention as retentionSchema } from '../../../contracts/privacy.ts';
import { getRetention, setRetention } from './retention.ts';

export const privacyRoutes = [
  defineRoute({
    method: 'GET',
    url: '/customers/:id/consents',
    access: 'customers.read',
    tag: 'privacy',
    summary: 'Current consent per channel × purpose, and the full ledger with evidence',
    params: idParams,
    response: consentState,
    handler: ({ ctx, params }) => consentsOf(ctx.db, params.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/:id/consents',
    access: 'customers.write',
    tag: 'privacy',
    summary: 'Record a consent, refusal or withdrawal (appended to the ledger)',
    status: 201,
    params: idParams,
    body: consentBody,
    response: consentState,
    handler: async ({ ctx, params, body, principal, ip }) => {
      await recordConsent(ctx.db, { customerId: params.id, consent: body, actor: actorOf(principal, ip) });
      return consentsOf(ctx.db, params.id);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/:id/privacy/export',
    access: 'privacy.manage',
    tag: 'privacy',
    summary: 'Data-subject access/portability: everything about a person as JSON and CSV in one .tar.gz (audited)',
    params: idParams,
    handler: async ({ ctx, params, principal, ip, reply }) => {
      const archive = await exportPerson(ctx.db, ctx.keyring, {
        customerId: params.id,
        actor: actorOf(principal, ip),
        source: 'api',
        now: ctx.clock.now(),
        data: ctx.modules.customerData,
      });
      reply.header('content-type', 'application/gzip').header('content-disposition', `attachment; filename="customer-${params.id}.tar.gz"`);
      return archive;
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/customers/:id/privacy/erase',
    access: 'privacy.manage',
    tag: 'privacy',
    summary: 'Erase a person: personal data removed, identifiers tombstoned, order statistics kept (audited)',
    params: idParams,
    response: eraseResult,
    handler: ({ ctx, params, principal, ip }) =>
      erasePerson(ctx.db, {
        customerId: params.id,
        actor: actorOf(principal, ip),
        source: 'api',
        now: ctx.clock.now(),
        data: ctx.modules.customerData,
      }),
  }),
  defineRoute({
    method: 'GET',
    url: '/privacy/requests',
    access: 'privacy.manage',
    tag: 'privacy',
    summary: 'Data-subject requests with status and due date',
    query: privacyRequestQuery,
    response: privacyRequestList,
    handler: async ({ ctx, query }) => ({ items: await listPrivacyRequests(ctx.db, query) }),
  }),
  defineRoute({
    method: 'GET',
    url: '/privacy/retention',
    access: 'privacy.manage',
    tag: 'privacy',
    summary: 'The retention rule: anonymise customers inactive for N months (null: off)',
    response: retentionSchema,
    handler: ({ ctx }) => getRetention(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/privacy/retention',
    access: 'privacy.manage',
    tag: 'privacy',
    summary: 'Set or turn off the retention rule (runs daily at 03:30 store time; audited)',
    body: retentionSchema,
    response: retentionSchema,
    handler: ({ ctx, body, principal, ip }) => setRetention(ctx.db, { retention: body, actor: actorOf(principal, ip) }),
  }),
];
