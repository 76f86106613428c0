import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_TTL_MS } from './sessions.service.ts';

export const SESSION_COOKIE = 'patron_session';
export const CSRF_COOKIE = 'patron_csrf';

/** Session cookie: HttpOnly, SameSite=Lax, Secure whenever the request came over HTTPS. */
export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, token: string, csrfToken: string) {
  const base = { path: '/', sameSite: 'lax' as const, secure: request.protocol === 'https', maxAge: SESSION_TTL_MS / 1000 };
  reply.setCookie(SESSION_COOKIE, token, { ...base, httpOnly: true });
  // Readable by the web app, which echoes it in X-CSRF-Token (double-submit).
  reply.setCookie(CSRF_COOKIE, csrfToken, { ...base, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}
