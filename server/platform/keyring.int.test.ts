import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../test/db.ts';
import { allEncryptedColumns } from '../modules.ts';
import { seedDemo } from '../modules/demo/index.ts';
import { ciphertextKeyId, decryptField, encryptField, generateKey } from './crypto.ts';
import { loadKeyring, refreshKeyring, rotateKey } from './keyring.ts';

describe('keyring and rotation', () => {
  let db: TestDb;
  const master = generateKey();
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.drop());

  it('creates the keys once and loads the same ones again', async () => {
    const a = await loadKeyring(db.db, master);
    const b = await loadKeyring(db.db, master);
    expect(b.activeKeyId).toBe(a.activeKeyId);
    expect(b.indexKey.equals(a.indexKey)).toBe(true);
    await expect(loadKeyring(db.db, generateKey())).rejects.toThrow(/DECRYPTION|decrypt/i);
  });

  it('re-encrypts every personal field under a new data key, readable by a refreshed running keyring', async () => {
    const running = await loadKeyring(db.db, master);
    await seedDemo(db.db, running, { customers: 120 });
    const before = await db.db.selectFrom('customers').select(['id', 'phone_enc', 'email_enc', 'address_enc']).orderBy('id').execute();
    const plain = before.map((r) => r.phone_enc && decryptField(running, r.phone_enc));
    const smtp = {
      host: 'smtp.example.com',
      passwordEnc: encryptField(running, 'smtp-pass'),
      dkim: { privateKeyEnc: encryptField(running, 'PEM') },
    };
    await db.db
      .insertInto('settings')
      .values({ key: 'messaging.smtp', value: JSON.stringify(smtp), updated_at: new Date(), updated_by: null })
      .execute();
    const result = await rotateKey(db.db, { masterKey: master, encrypted: allEncryptedColumns });
    expect(result.reencrypted).toBeGreaterThan(120); // customers plus their e-mail/phone identities
    const after = await db.db.selectFrom('customers').select(['id', 'phone_enc', 'email_enc', 'address_enc']).orderBy('id').execute();
    for (const row of after) {
      for (const value of [row.phone_enc, row.email_enc, row.address_enc]) {
        if (value) expect(value.startsWith(`v1.${result.newKeyId}.`)).toBe(true);
      }
    }
    await refreshKeyring(db.db, master, running);
    expect(running.activeKeyId).toBe(result.newKeyId);
    // Secrets inside settings documents move to the new key too.
    const stored = (await db.db.selectFrom('settings').select('value').where('key', '=', 'messaging.smtp').executeTakeFirstOrThrow())
      .value as typeof smtp;
    expect([ciphertextKeyId(stored.passwordEnc), ciphertextKeyId(stored.dkim.privateKeyEnc)]).toEqual([result.newKeyId, result.newKeyId]);
    expect([decryptField(running, stored.passwordEnc), decryptField(running, stored.dkim.privateKeyEnc)]).toEqual(['smtp-pass', 'PEM']);
    expect(after.map((r) => r.phone_enc && decryptField(running, r.phone_enc))).toEqual(plain);
  });

  it('re-wraps all keys under a new master key', async () => {
    const next = generateKey();
    await rotateKey(db.db, { masterKey: master, newMasterKey: next, encrypted: allEncryptedColumns });
    await expect(loadKeyring(db.db, master)).rejects.toThrow();
    const keyring = await loadKeyring(db.db, next);
    const row = await db.db.selectFrom('customers').select('phone_enc').where('phone_enc', 'is not', null).executeTakeFirstOrThrow();
    expect(decryptField(keyring, row.phone_enc!)).toMatch(/^\+86\d{11}$/);
  });
});
