import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.ts';

/**
 * Envelope encryption of personal fields.
 * - A master key (from PATRON_MASTER_KEY or a generated file) wraps data keys; it never touches data.
 * - Data keys (AES-256-GCM) encrypt field values; the active one encrypts, every known one decrypts.
 * - An index key computes HMAC blind indexes so encrypted values can be found by exact match.
 * Field ciphertext format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts).
 */
export type Keyring = {
  activeKeyId: number;
  dataKeys: Map<number, Buffer>;
  readonly indexKey: Buffer;
};

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export const cryptoErrors = {
  badMasterKey: () =>
    new AppError('MASTER_KEY_INVALID', 'invalid', 'The master key must be 32 bytes, given as 64 hex characters or base64.'),
  decryptFailed: (reason: string) => new AppError('DECRYPTION_FAILED', 'invalid', `A protected value could not be decrypted: ${reason}.`),
};

export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) throw cryptoErrors.badMasterKey();
  return key;
}

export const generateKey = (): Buffer => randomBytes(KEY_BYTES);

function seal(key: Buffer, plaintext: Buffer, aad: string): string[] {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
}

/** The additional data of field ciphertexts, made once: a field is opened for every masked value shown. */
const FIELD_AAD = Buffer.from(VERSION);

function open(key: Buffer, parts: string[], aad: Buffer): Buffer {
  const [iv, body, tag] = parts.map((p) => Buffer.from(p, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== 16) throw cryptoErrors.decryptFailed('malformed ciphertext');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = decipher.update(body);
    decipher.final(); // checks the tag; GCM has nothing left to give
    return plain;
  } catch {
    throw cryptoErrors.decryptFailed('wrong key or tampered data');
  }
}

/** Wraps a data or index key under the master key. */
export const wrapKey = (masterKey: Buffer, key: Buffer): string => seal(masterKey, key, 'patron-key').join('.');

export function unwrapKey(masterKey: Buffer, wrapped: string): Buffer {
  const parts = wrapped.split('.');
  if (parts.length !== 3) throw cryptoErrors.decryptFailed('malformed wrapped key');
  return open(masterKey, parts, Buffer.from('patron-key'));
}

/** Encrypts bytes (a compressed document, say) in the field format. */
export function encryptBytes(keyring: Keyring, plaintext: Buffer): string {
  const key = keyring.dataKeys.get(keyring.activeKeyId);
  if (!key) throw cryptoErrors.decryptFailed('no active data key');
  return [VERSION, String(keyring.activeKeyId), ...seal(key, plaintext, VERSION)].join('.');
}

export const encryptField = (keyring: Keyring, plaintext: string): string => encryptBytes(keyring, Buffer.from(plaintext, 'utf8'));

/** Encrypts when a value is present; null stays null. */
export const encryptOptional = (keyring: Keyring, plaintext: string | null | undefined): string | null =>
  plaintext == null || plaintext === '' ? null : encryptField(keyring, plaintext);

export function decryptBytes(keyring: Keyring, ciphertext: string): Buffer {
  const parts = ciphertext.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) throw cryptoErrors.decryptFailed('unknown format');
  const key = keyring.dataKeys.get(Number(parts[1]));
  if (!key) throw cryptoErrors.decryptFailed(`data key ${parts[1]} is not in the keyring`);
  return open(key, parts.slice(2), FIELD_AAD);
}

export const decryptField = (keyring: Keyring, ciphertext: string): string => decryptBytes(keyring, ciphertext).toString('utf8');

/** Id of the data key a ciphertext was sealed with (for rotation). */
export const ciphertextKeyId = (ciphertext: string): number => Number(ciphertext.split('.')[1]);

/**
 * Deterministic keyed hash of an already-normalised value (E.164 phone, lower-case email) so that
 * encrypted values can be matched exactly without decrypting. `domain` separates value kinds.
 */
export function blindIndex(keyring: Keyring, domain: string, normalisedValue: string): string {
  return createHmac('sha256', keyring.indexKey).update(`${domain}\u0000${normalisedValue}`).digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
