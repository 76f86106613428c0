import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { maskAddress, maskEmail, maskPhone } from '../../platform/mask.ts';

export type PiiKind = 'email' | 'phone' | 'address';
const MASKS: Record<PiiKind, (v: string) => string> = { email: maskEmail, phone: maskPhone, address: maskAddress };

/** A stored ciphertext as the caller may see it: masked, or in clear when revealing. */
export function presentPii(keyring: Keyring, kind: PiiKind, ciphertext: string | null, reveal: boolean): string | null {
  if (ciphertext === null) return null;
  const plain = decryptField(keyring, ciphertext);
  return reveal ? plain : MASKS[kind](plain);
}
