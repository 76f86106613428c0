import type { Permission, Role } from '../../contracts/permissions.ts';

/** Who is calling: a signed-in user (session cookie) or a machine (API key). */
export type Principal = {
  kind: 'user' | 'api_key';
  id: number;
  label: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
  sessionId: string | null;
  csrfToken: string | null;
};

/** Who did something, as the audit log records it. */
export type Actor = { type: 'user' | 'api_key' | 'system'; id: number | null; label: string; ip: string | null };

export const actorOf = (p: Principal | null, ip: string | null): Actor =>
  p ? { type: p.kind, id: p.id, label: p.label, ip } : { type: 'system', id: null, label: 'system', ip };
