import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER, as, type Session, sessionFrom, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { authenticateApiKey } from './api-keys.service.ts';

describe('accounts, sessions, API keys and audit', () => {
  let patron: Patron;
  let owner: Session;
  beforeAll(async () => {
    patron = await startTestPatron({ trustProxy: true });
    owner = await signIn(patron);
  });
  afterAll(() => patron.close());

  const inject = patron_inject;
  function patron_inject(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown) {
    return patron.http.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  }

  it('creates the first owner from configuration, with an argon2id hash', async () => {
    const row = await patron.ctx.db
      .selectFrom('users')
      .select(['role', 'password_hash'])
      .where('email', '=', OWNER.email)
      .executeTakeFirstOrThrow();
    expect(row.role).toBe('owner');
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
  });

  it('sets an HttpOnly SameSite=Lax session cookie, Secure behind HTTPS', async () => {
    const res = await patron.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: OWNER.email, password: OWNER.password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    const cookie = (res.cookies as { name: string; httpOnly?: boolean; sameSite?: string; secure?: boolean }[]).find(
      (c) => c.name === 'patron_session',
    )!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true });
  });

  it('requires the CSRF token on writes made with a session cookie', async () => {
    const body = { email: 'csrf@test.cn', name: 'C', role: 'analyst' };
    const without = await inject('POST', '/users', { cookie: owner.cookie }, body);
    expect([without.statusCode, without.json().error.code]).toEqual([403, 'CSRF_TOKEN_INVALID']);
    const wrong = await inject('POST', '/users', { cookie: owner.cookie, 'x-csrf-token': 'nope' }, body);
    expect(wrong.statusCode).toBe(403);
    const ok = await inject('POST', '/users', as(owner), body);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().temporaryPassword).toMatch(/^[\w-]{16}$/);
  });

  it('rejects a wrong password and locks the account after five failures', async () => {
    await inject('POST', '/users', as(owner), { email: 'lock@test.cn', name: 'L', role: 'analyst', password: 'right-password-1' });
    for (let i = 0; i < 4; i++) {
      const r = await inject('POST', '/auth/login', {}, { email: 'lock@test.cn', password: 'wrong-password' });
      expect([r.statusCode, r.json().error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    }
    const fifth = await inject('POST', '/auth/login', {}, { email: 'lock@test.cn', password: 'wrong-password' });
    expect([fifth.statusCode, fifth.json().error.code]).toEqual([429, 'ACCOUNT_LOCKED']);
    const right = await inject('POST', '/auth/login', {}, { email: 'lock@test.cn', password: 'right-password-1' });
    expect(right.json().error.code).toBe('ACCOUNT_LOCKED');
    const unknown = await inject('POST', '/auth/login', {}, { email: 'nobody@test.cn', password: 'whatever' });
    expect(unknown.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it('forces a password change for one-time passwords and ends other sessions on change', async () => {
    const created = await inject('POST', '/users', as(owner), { email: 'temp@test.cn', name: 'T', role: 'marketer' });
    const temp = created.json().temporaryPassword as string;
    const s1 = sessionFrom(await inject('POST', '/auth/login', {}, { email: 'temp@test.cn', password: temp }));
    const s2 = sessionFrom(await inject('POST', '/auth/login', {}, { email: 'temp@test.cn', password: temp }));
    expect((await inject('GET', '/auth/me', as(s1))).json().mustChangePassword).toBe(true);
    const changed = await inject('POST', '/auth/password', as(s1), { currentPassword: temp, newPassword: 'a-new-password-9' });
    expect(changed.statusCode).toBe(200);
    expect((await inject('GET', '/auth/me', as(s1))).json().mustChangePassword).toBe(false);
    expect((await inject('GET', '/auth/me', as(s2))).statusCode).toBe(401);
  });

  it('issues API keys shown once, stored hashed, scoped, and revocable', async () => {
    const created = await inject('POST', '/api-keys', as(owner), { name: 'bi', role: 'analyst', scopes: ['dashboard.view'] });
    expect(created.statusCode).toBe(201);
    const { secret, apiKey } = created.json();
    const stored = await patron.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(secret.slice(-43)); // the secret part (the prefix may itself contain '_')
    const bearer = { authorization: `Bearer ${secret}` };
    expect((await inject('GET', '/dashboard', bearer)).statusCode).toBe(200);
    expect((await inject('GET', '/audit', bearer)).statusCode).toBe(403); // outside its scopes
    expect((await inject('GET', '/dashboard', { 'x-api-key': secret })).statusCode).toBe(200);
    expect((await inject('GET', '/api-keys', as(owner))).json().items[0]).not.toHaveProperty('secret');
    await inject('POST', `/api-keys/${apiKey.id}/revoke`, as(owner));
    expect((await inject('GET', '/dashboard', bearer)).statusCode).toBe(401);
    // A key is read again at most five seconds after it was last read: a revoke made by another server process (here
    // straight in the database) holds from then on.
    const other = (await inject('POST', '/api-keys', as(owner), { name: 'etl', role: 'analyst' })).json();
    const t = new Date();
    expect(await authenticateApiKey(patron.ctx.db, other.secret, t)).not.toBeNull();
    await patron.ctx.db.updateTable('api_keys').set({ revoked_at: t }).where('id', '=', other.apiKey.id).execute();
    expect(await authenticateApiKey(patron.ctx.db, other.secret, new Date(t.getTime() + 5_000))).toBeNull();
    const bad = await inject('POST', '/api-keys', as(owner), { name: 'x', role: 'analyst', scopes: ['users.manage'] });
    expect(bad.json().error.code).toBe('API_KEY_SCOPE_INVALID');
  });

  it('protects the last owner and the owner role', async () => {
    const me = (await inject('GET', '/auth/me', as(owner))).json();
    const demote = await inject('PATCH', `/users/${me.id}`, as(owner), { role: 'admin' });
    expect([demote.statusCode, demote.json().error.code]).toEqual([409, 'LAST_OWNER']);
    await inject('POST', '/users', as(owner), { email: 'admin@test.cn', name: 'A', role: 'admin', password: 'admin-password-1' });
    const admin = await signIn(patron, 'admin@test.cn', 'admin-password-1');
    const grab = await inject('PATCH', `/users/${me.id}`, as(admin), { status: 'disabled' });
    expect(grab.statusCode).toBe(409);
    const promote = await inject('POST', '/users', as(admin), { email: 'o2@test.cn', name: 'O', role: 'owner' });
    expect(promote.json().error.code).toBe('OWNER_ONLY');
  });

  it('records sign-ins, failures, user, role and key changes in an append-only audit log', async () => {
    const log = (await inject('GET', '/audit?limit=200', as(owner))).json();
    const actions = new Set(log.items.map((e: { action: string }) => e.action));
    for (const a of ['auth.login', 'auth.login_failed', 'user.create', 'user.password_change', 'api_key.create', 'api_key.revoke']) {
      expect(actions, a).toContain(a);
    }
    const change = (await inject('GET', '/audit?action=user.create&limit=1', as(owner))).json().items[0];
    expect(change).toMatchObject({
      actorLabel: OWNER.email,
      targetType: 'user',
      after: expect.objectContaining({ role: expect.any(String) }),
    });
    await expect(sql`update audit_log set action = 'forged'`.execute(patron.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(patron.ctx.db)).rejects.toThrow(/append-only/);
  });

  it('records settings changes with before and after', async () => {
    const res = await inject('PUT', '/settings/store', as(owner), { name: '测试店', currency: 'CNY', timeZone: 'Asia/Shanghai' });
    expect(res.statusCode).toBe(200);
    const entry = (await inject('GET', '/audit?action=settings.update', as(owner))).json().items[0];
    expect(entry.after).toMatchObject({ name: '测试店' });
    expect(entry.before).toMatchObject({ name: 'Patron' });
    const bad = await inject('PUT', '/settings/store', as(owner), { name: 'x', currency: 'CNY', timeZone: 'Mars/Base' });
    expect(bad.statusCode).toBe(400);
  });
});
