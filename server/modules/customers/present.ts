import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { maskAddress, maskContactsInText, maskEmail, maskPhone } from '../../platform/mask.ts';
import type { Principal } from '../../http/principal.ts';
import { customerErrors } from './customers.errors.ts';

export type PiiKind = 'email' | 'phone' | 'address';
const MASKS: Record<PiiKind, (v: string) => string> = { email: maskEmail, phone: maskPhone, address: maskAddress };

/** A stored ciphertext as the caller may see it: masked, or in clear when revealing. */
export function presentPii(keyring: Keyring, kind: PiiKind, ciphertext: string | null, reveal: boolean): string | null {
  if (ciphertext === null) return null;
  const plain = decryptField(keyring, ciphertext);
  return reveal ? plain : MASKS[kind](plain);
}

/** A person's own words kept encrypted (a return's note, a direct message): contacts inside masked unless revealing. */
export function presentFreeText(keyring: Keyring, ciphertext: string, reveal: boolean): string {
  const plain = decryptField(keyring, ciphertext);
  return reveal ? plain : maskContactsInText(plain);
}

/** Whether a request asked to see personal data in clear (`?reveal=true`); a role without pii.read is refused. */
export function revealAsked(principal: Principal | null, asked: string | boolean | undefined): boolean {
  const reveal = asked === true || asked === 'true';
  if (reveal && !principal?.permissions.has('pii.read')) throw customerErrors.revealForbidden();
  return reveal;
}
