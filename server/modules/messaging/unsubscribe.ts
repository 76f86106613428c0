import { type Keyring, blindIndex, constantTimeEqual } from '../../platform/crypto.ts';

/** What an unsubscribe link stands for: a person and a channel. Signed, so a forged or altered link is refused. */
export type UnsubscribeClaim = { customerId: number; channel: 'email' | 'sms' };

export function unsubscribeToken(keyring: Keyring, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(`${claim.customerId}.${claim.channel}`).toString('base64url');
  return `${payload}.${blindIndex(keyring, 'unsubscribe', payload).slice(0, 32)}`;
}

export function readUnsubscribeToken(keyring: Keyring, token: string): UnsubscribeClaim | null {
  const [payload, mac] = token.split('.');
  if (!payload || !mac || !constantTimeEqual(mac, blindIndex(keyring, 'unsubscribe', payload).slice(0, 32))) return null;
  const [id, channel] = Buffer.from(payload, 'base64url').toString('utf8').split('.');
  const customerId = Number(id);
  if (!Number.isSafeInteger(customerId) || customerId <= 0 || (channel !== 'email' && channel !== 'sms')) return null;
  return { customerId, channel };
}
