import { randomBytes } from 'node:crypto';

/** Letters and digits that cannot be mistaken for one another read aloud or off a receipt (no 0/O, 1/I/L). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
// The largest multiple of the alphabet's size below 256: bytes above it are dropped, so every character is equally likely.
const LIMIT = 256 - (256 % CODE_ALPHABET.length);

/** `count` crypto-random codes of `length` characters after `prefix` (they may repeat; the database keeps them unique). */
export function randomCodes(count: number, length: number, prefix = ''): string[] {
  const codes: string[] = new Array(count);
  let pool = randomBytes(Math.ceil(count * length * 1.1) + 64);
  let at = 0;
  for (let i = 0; i < count; i++) {
    let code = prefix;
    while (code.length < prefix.length + length) {
      if (at === pool.length) {
        pool = randomBytes(4096);
        at = 0;
      }
      const b = pool[at++];
      if (b < LIMIT) code += CODE_ALPHABET[b % CODE_ALPHABET.length];
    }
    codes[i] = code;
  }
  return codes;
}
