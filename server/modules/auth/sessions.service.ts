import type { PrincipalBody } from '../../../contracts/auth.ts';
import type { Permission } from '../../../contracts/permissions.ts';
import { ROLE_PERMISSIONS } from '../../../contracts/permissions.ts';
import type { Db } from '../../db/index.ts';
import type { Principal } from '../../http/principal.ts';
import { randomToken, sha256 } from '../../platform/ids.ts';
import { recordAudit } from '../audit/index.ts';
import { authErrors } from './auth.errors.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

export type LoginOptions = { email: string; password: string; ip: string | null; userAgent: string | null; now: Date };
export type LoginResult = { token: string; principal: Principal; mustChangePassword: boolean; email: string };

const failedAttempt = (db: Db, opts: LoginOptions, reason: string, userId: number | null) =>
  recordAudit(db, {
    actor: { type: 'user', id: userId, label: opts.email.toLowerCase(), ip: opts.ip },
    action: 'auth.login_failed',
    details: { reason },
  });

/** Password sign-in with lockout after MAX_FAILED_LOGINS consecutive failures. */
export async function login(db: Db, opts: LoginOptions): Promise<LoginResult> {
  const user = await db.selectFrom('users').selectAll().where('email', '=', opts.email.toLowerCase()).executeTakeFirst();
  if (!user) {
    await verifyPassword(await dummyPasswordHash(), opts.password);
    await failedAttempt(db, opts, 'unknown_email', null);
    throw authErrors.invalidCredentials();
  }
  if (user.locked_until && user.locked_until > opts.now) {
    await failedAttempt(db, opts, 'locked', user.id);
    throw authErrors.accountLocked(user.locked_until);
  }
  const ok = await verifyPassword(user.password_hash, opts.password);
  if (!ok) {
    const failures = user.failed_logins + 1;
    const lock = failures >= MAX_FAILED_LOGINS ? new Date(opts.now.getTime() + LOCKOUT_MS) : null;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ failed_logins: lock ? 0 : failures, locked_until: lock })
        .where('id', '=', user.id)
        .execute();
      await failedAttempt(trx, opts, lock ? 'wrong_password_locked' : 'wrong_password', user.id);
    });
    if (lock) throw authErrors.accountLocked(lock);
    throw authErrors.invalidCredentials();
  }
  if (user.status !== 'active') {
    await failedAttempt(db, opts, 'disabled', user.id);
    throw authErrors.accountDisabled();
  }
  const token = randomToken();
  const csrfToken = randomToken(24);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({
        id: sha256(token),
        user_id: user.id,
        csrf_token: csrfToken,
        ip: opts.ip,
        user_agent: opts.userAgent?.slice(0, 500) ?? null,
        expires_at: new Date(opts.now.getTime() + SESSION_TTL_MS),
        last_seen_at: opts.now,
      })
      .execute();
    await trx
      .updateTable('users')
      .set({ failed_logins: 0, locked_until: null, last_login_at: opts.now })
      .where('id', '=', user.id)
      .execute();
    await recordAudit(trx, {
      actor: { type: 'user', id: user.id, label: user.email, ip: opts.ip },
      action: 'auth.login',
      target: { type: 'user', id: user.id },
    });
  });
  return {
    token,
    email: user.email,
    mustChangePassword: user.must_change_password,
    principal: {
      kind: 'user',
      id: user.id,
      label: user.email,
      role: user.role,
      permissions: new Set(ROLE_PERMISSIONS[user.role]),
      sessionId: sha256(token),
      csrfToken,
    },
  };
}

/** Resolves a session cookie to its principal; slides the expiry when past half its life. */
export async function authenticateSession(db: Db, token: string, now: Date): Promise<Principal | null> {
  const id = sha256(token);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.csrf_token',
      'sessions.expires_at',
      'users.id as user_id',
      'users.email',
      'users.role',
      'users.status',
    ])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row || row.expires_at <= now || row.status !== 'active') return null;
  if (row.expires_at.getTime() - now.getTime() < SESSION_TTL_MS / 2) {
    await db
      .updateTable('sessions')
      .set({ expires_at: new Date(now.getTime() + SESSION_TTL_MS), last_seen_at: now })
      .where('id', '=', id)
      .execute();
  }
  return {
    kind: 'user',
    id: row.user_id,
    label: row.email,
    role: row.role,
    permissions: new Set<Permission>(ROLE_PERMISSIONS[row.role]),
    sessionId: id,
    csrfToken: row.csrf_token,
  };
}

export async function logout(db: Db, principal: Principal, ip: string | null): Promise<void> {
  if (!principal.sessionId) return;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sessions').where('id', '=', principal.sessionId!).execute();
    await recordAudit(trx, {
      actor: { type: 'user', id: principal.id, label: principal.label, ip },
      action: 'auth.logout',
      target: { type: 'user', id: principal.id },
    });
  });
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The signed-in principal as the web app sees it. */
export async function describePrincipal(db: Db, p: Principal): Promise<PrincipalBody> {
  const user =
    p.kind === 'user'
      ? await db.selectFrom('users').select(['email', 'name', 'must_change_password']).where('id', '=', p.id).executeTakeFirst()
      : undefined;
  return {
    kind: p.kind,
    id: p.id,
    name: user?.name ?? p.label,
    email: user?.email ?? null,
    role: p.role,
    permissions: [...p.permissions],
    mustChangePassword: user?.must_change_password ?? false,
    csrfToken: p.csrfToken,
  };
}
