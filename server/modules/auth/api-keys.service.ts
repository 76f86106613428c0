import type { ApiKeyBody } from '../../../contracts/auth.ts';
import { type Permission, ROLE_PERMISSIONS, type Role } from '../../../contracts/permissions.ts';
import type { ApiKeyTable, Db } from '../../db/index.ts';
import type { Actor, Principal } from '../../http/principal.ts';
import { constantTimeEqual } from '../../platform/crypto.ts';
import { randomToken, sha256 } from '../../platform/ids.ts';
import { recentRows } from '../../platform/recent-rows.ts';
import type { Selectable } from 'kysely';
import { recordAudit } from '../audit/index.ts';
import { authErrors } from './auth.errors.ts';

/** Keys look like `ptn_<prefix>_<secret>`; only the prefix and a SHA-256 of the whole key are stored. */
const KEY_PATTERN = /^ptn_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

const toBody = (k: Selectable<ApiKeyTable>): ApiKeyBody => ({
  id: k.id,
  name: k.name,
  prefix: `ptn_${k.prefix}`,
  role: k.role,
  scopes: (k.scopes as Permission[] | null) ?? null,
  createdAt: k.created_at.toISOString(),
  lastUsedAt: k.last_used_at?.toISOString() ?? null,
  revokedAt: k.revoked_at?.toISOString() ?? null,
});

const ROLE_RANK: Record<Role, number> = { owner: 4, admin: 3, marketer: 2, service_agent: 2, analyst: 1 };

export type CreateApiKeyOptions = {
  name: string;
  role: Role;
  scopes?: Permission[];
  actor: Actor;
  actorRole: Role | null;
  createdBy: number | null;
};

export async function createApiKey(db: Db, opts: CreateApiKeyOptions): Promise<{ apiKey: ApiKeyBody; secret: string }> {
  if (opts.actorRole && ROLE_RANK[opts.role] > ROLE_RANK[opts.actorRole]) throw authErrors.roleAboveCaller();
  const outside = (opts.scopes ?? []).filter((s) => !ROLE_PERMISSIONS[opts.role].includes(s));
  if (outside.length > 0) throw authErrors.scopeOutsideRole(outside);
  const prefix = randomToken(9);
  const secret = `ptn_${prefix}_${randomToken(32)}`;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('api_keys')
      .values({
        prefix,
        secret_hash: sha256(secret),
        name: opts.name,
        role: opts.role,
        scopes: opts.scopes ?? null,
        created_by: opts.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const apiKey = toBody(row);
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'api_key.create',
      target: { type: 'api_key', id: row.id },
      after: { name: apiKey.name, role: apiKey.role, scopes: apiKey.scopes, prefix: apiKey.prefix },
    });
    return { apiKey, secret };
  });
}

export async function listApiKeys(db: Db): Promise<ApiKeyBody[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('id', 'desc').execute();
  return rows.map(toBody);
}

export async function revokeApiKey(db: Db, opts: { id: number; actor: Actor; now: Date }): Promise<ApiKeyBody> {
  const row = await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('api_keys')
      .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(opts.now)) }))
      .where('id', '=', opts.id)
      .returningAll()
      .executeTakeFirst();
    if (!r) throw authErrors.apiKeyNotFound(opts.id);
    await recordAudit(trx, { actor: opts.actor, action: 'api_key.revoke', target: { type: 'api_key', id: opts.id } });
    return r;
  });
  // After the commit: a call reading the key before it would cache it unrevoked.
  keyCache.drop(row.prefix);
  return toBody(row);
}

/** Keys read lately (for 5 s), by prefix; the secret is checked against the stored hash on every call. */
const keyCache = recentRows<Db, Selectable<ApiKeyTable>>(5_000);

/** Resolves a presented key to its principal; null when unknown, malformed or revoked. */
export async function authenticateApiKey(db: Db, presented: string, now: Date): Promise<Principal | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const row = await keyCache.read(db, match[1], now, () =>
    db.selectFrom('api_keys').selectAll().where('prefix', '=', match[1]).executeTakeFirst(),
  );
  if (!row || row.revoked_at || !constantTimeEqual(row.secret_hash, sha256(presented))) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    row.last_used_at = now;
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  const rolePermissions = ROLE_PERMISSIONS[row.role];
  const scopes = row.scopes as Permission[] | null;
  return {
    kind: 'api_key',
    id: row.id,
    label: `api-key:${row.name}`,
    role: row.role,
    permissions: new Set(scopes ? rolePermissions.filter((p) => scopes.includes(p)) : rolePermissions),
    sessionId: null,
    csrfToken: null,
  };
}
