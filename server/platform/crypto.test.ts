import { describe, expect, it } from 'vitest';
import {
  type Keyring,
  blindIndex,
  decryptBytes,
  decryptField,
  encryptBytes,
  encryptField,
  generateKey,
  parseMasterKey,
  unwrapKey,
  wrapKey,
} from './crypto.ts';

const keyring = (id = 1, key = generateKey(), indexKey = generateKey()): Keyring => ({
  activeKeyId: id,
  dataKeys: new Map([[id, key]]),
  indexKey,
});

describe('field encryption', () => {
  it('round-trips unicode text and never repeats a ciphertext', () => {
    const k = keyring();
    const a = encryptField(k, '上海市浦东新区张江路 123 号');
    const b = encryptField(k, '上海市浦东新区张江路 123 号');
    expect(a).not.toBe(b);
    expect(a).not.toContain('上海');
    expect(decryptField(k, a)).toBe('上海市浦东新区张江路 123 号');
  });

  it('round-trips bytes that are not UTF-8 (a compressed document), in the same format as text', () => {
    const k = keyring();
    const bytes = Buffer.from([0x78, 0x01, 0xff, 0xfe, 0x00, 0xc3]);
    const sealed = encryptBytes(k, bytes);
    expect(decryptBytes(k, sealed)).toEqual(bytes);
    expect(decryptField(k, encryptBytes(k, Buffer.from('王芳', 'utf8')))).toBe('王芳');
    expect(decryptBytes(k, encryptField(k, '王芳')).toString('utf8')).toBe('王芳');
  });

  it('fails with DECRYPTION_FAILED under a different key with the same id', () => {
    const ct = encryptField(keyring(1), '+8613812345678');
    expect(() => decryptField(keyring(1), ct)).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }));
  });

  it('fails when the key id is unknown', () => {
    const ct = encryptField(keyring(7), 'x@example.com');
    expect(() => decryptField(keyring(1), ct)).toThrow(/not in the keyring/);
  });

  it('detects tampering with the ciphertext, the iv or the tag', () => {
    const k = keyring();
    const parts = encryptField(k, 'secret@example.com').split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 0x01;
      const tampered = [...parts];
      tampered[index] = bytes.toString('base64url');
      expect(() => decryptField(k, tampered.join('.'))).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }));
    }
  });

  it('rejects malformed ciphertexts', () => {
    expect(() => decryptField(keyring(), 'plain text')).toThrow(/unknown format/);
  });

  it('decrypts old ciphertexts after a new key becomes active', () => {
    const old = generateKey();
    const k = keyring(1, old);
    const ct = encryptField(k, 'a@b.cn');
    k.dataKeys.set(2, generateKey());
    k.activeKeyId = 2;
    expect(encryptField(k, 'a@b.cn').startsWith('v1.2.')).toBe(true);
    expect(decryptField(k, ct)).toBe('a@b.cn');
  });
});

describe('key wrapping', () => {
  it('unwraps with the right master key only', () => {
    const master = generateKey();
    const key = generateKey();
    const wrapped = wrapKey(master, key);
    expect(unwrapKey(master, wrapped).equals(key)).toBe(true);
    expect(() => unwrapKey(generateKey(), wrapped)).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }));
  });

  it('parses hex and base64 master keys and rejects wrong lengths', () => {
    const key = generateKey();
    expect(parseMasterKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseMasterKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseMasterKey('abc')).toThrow(expect.objectContaining({ code: 'MASTER_KEY_INVALID' }));
  });
});

describe('blind index', () => {
  it('is deterministic per key, separated by domain, and different under another key', () => {
    const k = keyring();
    expect(blindIndex(k, 'phone', '+8613812345678')).toBe(blindIndex(k, 'phone', '+8613812345678'));
    expect(blindIndex(k, 'phone', '+8613812345678')).not.toBe(blindIndex(k, 'email', '+8613812345678'));
    expect(blindIndex(k, 'phone', '+8613812345678')).not.toBe(blindIndex(keyring(), 'phone', '+8613812345678'));
    expect(blindIndex(k, 'phone', '+8613812345678')).not.toContain('138');
  });
});
