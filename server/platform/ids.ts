import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random token with `bytes` bytes of entropy. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** SHA-256 hex digest; for looking up high-entropy secrets (session tokens, API keys). */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
