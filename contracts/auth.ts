import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';
import { PERMISSIONS, ROLES } from './permissions.ts';

export const role = z.enum(ROLES);
export const permission = z.enum(PERMISSIONS);

export const loginBody = z.strictObject({
  email: z.string().email().max(320),
  password: z.string().min(1).max(1024),
});

export const principalBody = z.object({
  kind: z.enum(['user', 'api_key']),
  id: z.number().int(),
  name: z.string(),
  email: z.string().nullable(),
  role,
  permissions: z.array(permission),
  mustChangePassword: z.boolean(),
  csrfToken: z.string().nullable(),
});
export type PrincipalBody = z.infer<typeof principalBody>;

export const sessionBody = z.object({ me: principalBody.nullable() });

export const changePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(10).max(1024),
});

export const userBody = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string(),
  role,
  status: z.enum(['active', 'disabled']),
  lockedUntil: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
export type UserBody = z.infer<typeof userBody>;

export const userList = pageOf(userBody);
export const userListQuery = z.strictObject({ ...pageQuery });

export const createUserBody = z.strictObject({
  email: z.string().email().max(320),
  name: z.string().trim().min(1).max(100),
  role,
  password: z.string().min(10).max(1024).optional(),
});

export const createUserResult = z.object({
  user: userBody,
  temporaryPassword: z.string().nullable().describe('Shown once when no password was given'),
});

export const updateUserBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  role: role.optional(),
  status: z.enum(['active', 'disabled']).optional(),
});

export const apiKeyBody = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  role,
  scopes: z.array(permission).nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyBody = z.infer<typeof apiKeyBody>;

export const apiKeyList = z.object({ items: z.array(apiKeyBody) });

export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role,
  scopes: z.array(permission).min(1).optional().describe('Restrict the key to these permissions of its role'),
});

export const createApiKeyResult = z.object({
  apiKey: apiKeyBody,
  secret: z.string().describe('The full key; shown only once'),
});
