import type { Generated } from 'kysely';
import type { Timestamp, CreatedAt } from '../../db/columns.ts';

/** The tables the auth module owns (no other module's SQL names them; see the ownership test). */
export type Role = 'owner' | 'admin' | 'marketer' | 'service_agent' | 'analyst';

export type UserTable = {
  id: Generated<number>;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  status: 'active' | 'disabled';
  must_change_password: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
};

export type SessionTable = {
  id: string;
  user_id: number;
  csrf_token: string;
  ip: string | null;
  user_agent: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
};

export type ApiKeyTable = {
  id: Generated<number>;
  prefix: string;
  secret_hash: string;
  name: string;
  role: Role;
  scopes: string[] | null;
  created_by: number | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
};

export type AuthTables = {
  users: UserTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
};
