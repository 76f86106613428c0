import { type Keyring, blindIndex, constantTimeEqual } from './crypto.ts';

/**
 * An id in a link people open without signing in (a member page, a survey): the id and a MAC of it for one purpose,
 * so a link of one purpose never opens another's page and a guessed id is refused.
 */
export function signId(keyring: Keyring, purpose: string, id: number): string {
  const payload = Buffer.from(String(id)).toString('base64url');
  return `${payload}.${blindIndex(keyring, purpose, payload).slice(0, 32)}`;
}

/** The id a signed token carries, or null when it was not signed for this purpose. */
export function readSignedId(keyring: Keyring, purpose: string, token: string): number | null {
  const [payload, mac] = token.split('.');
  if (!payload || !mac || !constantTimeEqual(mac, blindIndex(keyring, purpose, payload).slice(0, 32))) return null;
  const id = Number(Buffer.from(payload, 'base64url').toString('utf8'));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
