import { changePasswordBody, loginBody, principalBody, sessionBody } from '../../../contracts/auth.ts';
import { okBody } from '../../../contracts/common.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { authErrors } from './auth.errors.ts';
import { clearSessionCookies, setSessionCookies } from './cookies.ts';
import { describePrincipal, login, logout } from './sessions.service.ts';
import { changePassword } from './users.service.ts';

export const authRoutes = [
  defineRoute({
    method: 'POST',
    url: '/auth/login',
    access: 'public',
    tag: 'auth',
    summary: 'Sign in with email and password; sets the session and CSRF cookies',
    body: loginBody,
    response: principalBody,
    rateLimit: { max: 30, timeWindow: 60_000 }, // per IP; accounts also lock after 5 failures
    handler: async ({ ctx, body, ip, userAgent, reply }) => {
      const result = await login(ctx.db, { ...body, ip, userAgent, now: ctx.clock.now() });
      setSessionCookies(reply.request, reply, result.token, result.principal.csrfToken!);
      return describePrincipal(ctx.db, result.principal);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/auth/logout',
    access: 'authenticated',
    tag: 'auth',
    summary: 'End the current session',
    response: okBody,
    handler: async ({ ctx, principal, ip, reply }) => {
      await logout(ctx.db, principal!, ip);
      clearSessionCookies(reply);
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/auth/me',
    access: 'authenticated',
    tag: 'auth',
    summary: 'The signed-in user or API key, with its permissions',
    response: principalBody,
    handler: ({ ctx, principal }) => describePrincipal(ctx.db, principal!),
  }),
  defineRoute({
    method: 'GET',
    url: '/auth/session',
    access: 'public',
    tag: 'auth',
    summary: 'The current session, or null when signed out (never 401; for the web app to start)',
    response: sessionBody,
    handler: async ({ ctx, principal }) => ({ me: principal ? await describePrincipal(ctx.db, principal) : null }),
  }),
  defineRoute({
    method: 'POST',
    url: '/auth/password',
    access: 'authenticated',
    tag: 'auth',
    summary: 'Change your own password (ends your other sessions)',
    body: changePasswordBody,
    response: okBody,
    handler: async ({ ctx, principal, body, ip }) => {
      if (principal!.kind !== 'user') throw authErrors.usersOnly();
      await changePassword(ctx.db, {
        userId: principal!.id,
        ...body,
        actor: actorOf(principal, ip),
        keepSessionId: principal!.sessionId,
      });
      return { ok: true as const };
    },
  }),
];
