import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role, roleHas } from '../../contracts/permissions.ts';
import { as, type Session, signIn, startTestPatron } from '../../test/app.ts';
import type { Patron } from '../app.ts';
import { createUser } from '../modules/auth/index.ts';

describe('permission matrix on every route', () => {
  let patron: Patron;
  const sessions = new Map<Role, Session>();
  const registered: { method: string; url: string; access: unknown }[] = [];

  beforeAll(async () => {
    patron = await startTestPatron();
    for (const role of ROLES) {
      const email = `${role}@matrix.test`;
      await createUser(patron.ctx.db, {
        email,
        name: role,
        role,
        password: 'matrix-password-1',
        actor: { type: 'system', id: null, label: 't', ip: null },
        actorRole: null,
      });
      sessions.set(role, await signIn(patron, email, 'matrix-password-1'));
    }
    const api = patron.http.routeTable.filter((r) => r.url.startsWith('/api/v1/'));
    // Signing out ends the session the other requests use, so it goes last.
    registered.push(...api.filter((r) => r.url !== '/api/v1/auth/logout'), ...api.filter((r) => r.url === '/api/v1/auth/logout'));
  });
  afterAll(() => patron.close());

  it('finds the routes', () => {
    expect(registered.length).toBeGreaterThan(10);
  });

  it('every /api/v1 route declares who may call it', () => {
    const undeclared = registered.filter((r) => !r.access);
    expect(undeclared).toEqual([]);
  });

  it('each role gets 403 exactly where the matrix denies it, and never 401/403 where it allows', async () => {
    const failures: string[] = [];
    for (const route of registered) {
      const access = route.access as string;
      if (access === 'public') continue;
      const url = route.url.replace(/:\w+/g, '1');
      for (const role of ROLES) {
        const res = await patron.http.inject({
          method: route.method as 'GET',
          url,
          headers: { ...as(sessions.get(role)!), 'content-type': 'application/json' },
          payload: route.method === 'GET' ? undefined : '{}',
        });
        const allowed = access === 'authenticated' || roleHas(role, access as never);
        const denied = res.statusCode === 403 && res.json().error.code === 'FORBIDDEN';
        if (allowed === denied || res.statusCode === 401 || res.statusCode >= 500)
          failures.push(`${role} ${route.method} ${url} → ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('anonymous callers get 401 on every non-public route', async () => {
    for (const route of registered.filter((r) => r.access !== 'public')) {
      const res = await patron.http.inject({ method: route.method as 'GET', url: route.url.replace(/:\w+/g, '1') });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });
});
