import { identityRules } from '../../../contracts/customers.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { getIdentityRules, setIdentityRules } from './identity-rules.ts';

export const identityRulesRoutes = [
  defineRoute({
    method: 'GET',
    url: '/settings/identity',
    access: 'customers.read',
    tag: 'settings',
    summary: 'Identity rules: which identifiers link incoming data to an existing person',
    response: identityRules,
    handler: ({ ctx }) => getIdentityRules(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/settings/identity',
    access: 'settings.manage',
    tag: 'settings',
    summary: 'Change the identity rules (external and anonymous ids always link); audited',
    body: identityRules,
    response: identityRules,
    handler: ({ ctx, body, principal, ip }) => setIdentityRules(ctx.db, body, actorOf(principal, ip)),
  }),
];
