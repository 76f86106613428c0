import { sql } from 'kysely';
import type { UserBody } from '../../../contracts/auth.ts';
import type { Role } from '../../../contracts/permissions.ts';
import type { Db, UserTable } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { Selectable } from 'kysely';
import { recordAudit } from '../audit/index.ts';
import { authErrors } from './auth.errors.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';

export const toUserBody = (u: Selectable<UserTable>): UserBody => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  status: u.status,
  lockedUntil: u.locked_until && u.locked_until > new Date() ? u.locked_until.toISOString() : null,
  lastLoginAt: u.last_login_at?.toISOString() ?? null,
  createdAt: u.created_at.toISOString(),
});

const publicFields = (u: UserBody) => ({ email: u.email, name: u.name, role: u.role, status: u.status });

export async function listUsers(db: Db, opts: { limit: number; offset: number }) {
  const [rows, count] = await Promise.all([
    db.selectFrom('users').selectAll().orderBy('id').limit(opts.limit).offset(opts.offset).execute(),
    db.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toUserBody), total: count.n };
}

export type CreateUserOptions = { email: string; name: string; role: Role; password?: string; actor: Actor; actorRole: Role | null };

export async function createUser(db: Db, opts: CreateUserOptions): Promise<{ user: UserBody; temporaryPassword: string | null }> {
  if (opts.role === 'owner' && opts.actorRole !== null && opts.actorRole !== 'owner') throw authErrors.ownerOnly();
  const temporaryPassword = opts.password ? null : generatePassword();
  const passwordHash = await hashPassword(opts.password ?? temporaryPassword!);
  return db.transaction().execute(async (trx) => {
    const clash = await trx.selectFrom('users').select('id').where(sql`lower(email)`, '=', opts.email.toLowerCase()).executeTakeFirst();
    if (clash) throw authErrors.emailTaken(opts.email);
    const row = await trx
      .insertInto('users')
      .values({
        email: opts.email.toLowerCase(),
        name: opts.name,
        role: opts.role,
        password_hash: passwordHash,
        status: 'active',
        must_change_password: temporaryPassword !== null,
        locked_until: null,
        last_login_at: null,
        updated_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const user = toUserBody(row);
    await recordAudit(trx, { actor: opts.actor, action: 'user.create', target: { type: 'user', id: user.id }, after: publicFields(user) });
    return { user, temporaryPassword };
  });
}

export type UpdateUserOptions = { id: number; name?: string; role?: Role; status?: 'active' | 'disabled'; actor: Actor; actorRole: Role };

async function assertOwnersRemain(trx: Db, id: number) {
  const others = await trx
    .selectFrom('users')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .where('id', '<>', id)
    .executeTakeFirstOrThrow();
  if (others.n === 0) throw authErrors.lastOwner();
}

export async function updateUser(db: Db, opts: UpdateUserOptions): Promise<UserBody> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('users').selectAll().where('id', '=', opts.id).forUpdate().executeTakeFirst();
    if (!current) throw authErrors.userNotFound(opts.id);
    const touchesOwner = current.role === 'owner' || opts.role === 'owner';
    if (touchesOwner && opts.role !== undefined && opts.role !== current.role && opts.actorRole !== 'owner') throw authErrors.ownerOnly();
    const losesOwner = current.role === 'owner' && ((opts.role && opts.role !== 'owner') || opts.status === 'disabled');
    if (losesOwner) await assertOwnersRemain(trx, opts.id);
    const row = await trx
      .updateTable('users')
      .set({
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.role !== undefined ? { role: opts.role } : {}),
        ...(opts.status !== undefined ? { status: opts.status } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', opts.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (opts.status === 'disabled') await trx.deleteFrom('sessions').where('user_id', '=', opts.id).execute();
    const before = publicFields(toUserBody(current));
    const after = publicFields(toUserBody(row));
    await recordAudit(trx, { actor: opts.actor, action: 'user.update', target: { type: 'user', id: opts.id }, before, after });
    return toUserBody(row);
  });
}

export async function changePassword(
  db: Db,
  opts: { userId: number; currentPassword: string; newPassword: string; actor: Actor; keepSessionId: string | null },
) {
  const user = await db.selectFrom('users').selectAll().where('id', '=', opts.userId).executeTakeFirst();
  if (!user) throw authErrors.userNotFound(opts.userId);
  if (!(await verifyPassword(user.password_hash, opts.currentPassword))) throw authErrors.wrongPassword();
  const passwordHash = await hashPassword(opts.newPassword);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, must_change_password: false, updated_at: new Date() })
      .where('id', '=', opts.userId)
      .execute();
    // Other sessions of this user end: a changed password must lock out whoever knew the old one.
    let others = trx.deleteFrom('sessions').where('user_id', '=', opts.userId);
    if (opts.keepSessionId) others = others.where('id', '<>', opts.keepSessionId);
    await others.execute();
    await recordAudit(trx, { actor: opts.actor, action: 'user.password_change', target: { type: 'user', id: opts.userId } });
  });
}

export type EnsureOwnerResult = { created: false } | { created: true; email: string; password: string | null };

/** First start: when there are no users, create an owner (from the given credentials or a one-time password). */
export async function ensureOwner(db: Db, opts: { email?: string; password?: string }): Promise<EnsureOwnerResult> {
  const any = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return { created: false };
  const email = opts.email ?? 'owner@patron.local';
  const { temporaryPassword } = await createUser(db, {
    email,
    name: 'Owner',
    role: 'owner',
    password: opts.password,
    actor: { type: 'system', id: null, label: 'system', ip: null },
    actorRole: null,
  });
  return { created: true, email, password: temporaryPassword };
}
