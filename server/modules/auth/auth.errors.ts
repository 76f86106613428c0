import { AppError } from '../../platform/errors.ts';

export const authErrors = {
  invalidCredentials: () => new AppError('INVALID_CREDENTIALS', 'unauthenticated', 'Wrong email or password.'),
  accountLocked: (until: Date) =>
    new AppError('ACCOUNT_LOCKED', 'rate_limited', 'Too many failed sign-ins; try again later.', {
      lockedUntil: until.toISOString(),
    }),
  accountDisabled: () => new AppError('ACCOUNT_DISABLED', 'forbidden', 'This account is disabled.'),
  userNotFound: (id: number) => new AppError('USER_NOT_FOUND', 'not_found', `User ${id} does not exist.`),
  emailTaken: (email: string) => new AppError('USER_EMAIL_TAKEN', 'conflict', `A user with ${email} already exists.`),
  ownerOnly: () => new AppError('OWNER_ONLY', 'forbidden', 'Only an owner may grant or change the owner role.'),
  lastOwner: () => new AppError('LAST_OWNER', 'conflict', 'The last active owner cannot be demoted or disabled.'),
  wrongPassword: () => new AppError('WRONG_PASSWORD', 'invalid', 'The current password is wrong.'),
  apiKeyNotFound: (id: number) => new AppError('API_KEY_NOT_FOUND', 'not_found', `API key ${id} does not exist.`),
  scopeOutsideRole: (scopes: string[]) =>
    new AppError('API_KEY_SCOPE_INVALID', 'invalid', 'Scopes must be permissions of the key’s role.', { scopes }),
  usersOnly: () => new AppError('USERS_ONLY', 'forbidden', 'Only a signed-in user can do this, not an API key.'),
  roleAboveCaller: () => new AppError('ROLE_NOT_GRANTABLE', 'forbidden', 'You cannot create a key with a role above your own.'),
};
