import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Keyring, ciphertextKeyId, decryptBytes, encryptBytes, generateKey, parseMasterKey, unwrapKey, wrapKey } from './crypto.ts';
import type { Logger } from './logger.ts';

export const MASTER_KEY_FILE = 'master.key';

/**
 * The master key: PATRON_MASTER_KEY when set; otherwise the key file in the data directory,
 * generated on first start with a warning (back it up: without it the personal data is unreadable).
 */
export function resolveMasterKey(configured: string | undefined, dataDir: string, log: Logger): Buffer {
  if (configured) return parseMasterKey(configured);
  const file = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) return parseMasterKey(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${generateKey().toString('hex')}\n`, { mode: 0o600 });
  log.warn(
    { file },
    'PATRON_MASTER_KEY is not set: generated a master key into the data directory. Back it up and set ' +
      'PATRON_MASTER_KEY in production; without it encrypted personal data cannot be read.',
  );
  return parseMasterKey(readFileSync(file, 'utf8'));
}

/** Loads (creating on first use) the data keys and the blind-index key, unwrapped with the master key. */
export async function loadKeyring(db: Db, masterKey: Buffer): Promise<Keyring> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7410001)`.execute(trx);
    for (const kind of ['data', 'index'] as const) {
      const existing = await trx.selectFrom('platform_keys').select('id').where('kind', '=', kind).executeTakeFirst();
      if (!existing) {
        await trx
          .insertInto('platform_keys')
          .values({ kind, wrapped_key: wrapKey(masterKey, generateKey()), active: true })
          .execute();
      }
    }
  });
  const rows = await db.selectFrom('platform_keys').selectAll().orderBy('id').execute();
  const dataKeys = new Map<number, Buffer>();
  let activeKeyId = 0;
  let indexKey: Buffer | undefined;
  for (const row of rows) {
    const key = unwrapKey(masterKey, row.wrapped_key);
    if (row.kind === 'index') indexKey = key;
    else {
      dataKeys.set(row.id, key);
      if (row.active) activeKeyId = row.id;
    }
  }
  if (!indexKey || !activeKeyId) throw new Error('Keyring is incomplete: no active data key or index key');
  return { activeKeyId, dataKeys, indexKey };
}

/** A table column holding field ciphertexts, declared by the module that owns it. */
export type EncryptedColumns = { table: string; idColumn: string; columns: readonly string[] };

export type RotationProgress = (done: number, table: string) => void;

export type RotateKeyOptions = {
  masterKey: Buffer;
  /** Seconds between publishing the new key and making it active, so running servers learn it first. */
  graceSeconds?: number;
  newMasterKey?: Buffer;
  encrypted: readonly EncryptedColumns[];
  batchSize?: number;
  onProgress?: RotationProgress;
};

export type RotateKeyResult = { newKeyId: number; reencrypted: number; rewrapped: boolean };

const IDENT = /^[a-z_][a-z0-9_]*$/;

async function reencryptTable(db: Db, keyring: Keyring, target: EncryptedColumns, opts: RotateKeyOptions) {
  for (const name of [target.table, target.idColumn, ...target.columns]) {
    if (!IDENT.test(name)) throw new Error(`Invalid identifier in encrypted column registry: ${name}`);
  }
  const staleTest = target.columns.map((c) => sql`(${sql.ref(c)} is not null and ${sql.ref(c)} not like ${`v1.${keyring.activeKeyId}.%`})`);
  let done = 0;
  for (;;) {
    const batch = await sql<Record<string, string | number | null>>`
      select ${sql.ref(target.idColumn)} as id, ${sql.join(target.columns.map((c) => sql.ref(c)))}
      from ${sql.table(target.table)} where ${sql.join(staleTest, sql` or `)}
      limit ${opts.batchSize ?? 1000}`.execute(db);
    if (batch.rows.length === 0) return done;
    await db.transaction().execute(async (trx) => {
      for (const row of batch.rows) {
        const sets = target.columns.map((c) => {
          const value = row[c];
          const fresh =
            typeof value === 'string' && ciphertextKeyId(value) !== keyring.activeKeyId
              ? encryptBytes(keyring, decryptBytes(keyring, value))
              : value;
          return sql`${sql.ref(c)} = ${fresh}`;
        });
        await sql`update ${sql.table(target.table)} set ${sql.join(sets)} where ${sql.ref(target.idColumn)} = ${row.id}`.execute(trx);
      }
    });
    done += batch.rows.length;
    opts.onProgress?.(done, target.table);
  }
}

/**
 * Secrets inside settings documents (an SMTP password, a DKIM key, an SMS secret: fields named `…Enc`, the convention
 * the settings audit also reads) re-encrypted under the active key, a document at a time. Returns how many fields.
 */
async function reencryptSettings(db: Db, keyring: Keyring): Promise<number> {
  let done = 0;
  const fresh = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(fresh);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (k.endsWith('Enc') && typeof v === 'string' && v.startsWith('v1.') && ciphertextKeyId(v) !== keyring.activeKeyId) {
          done++;
          return [k, encryptBytes(keyring, decryptBytes(keyring, v))];
        }
        return [k, fresh(v)];
      }),
    );
  };
  const rows = await db.selectFrom('settings').select(['key', 'value']).where(sql<boolean>`value::text like '%Enc"%'`).execute();
  for (const row of rows) {
    const before = done;
    const value = fresh(row.value);
    if (done > before)
      await db
        .updateTable('settings')
        .set({ value: JSON.stringify(value) })
        .where('key', '=', row.key)
        .execute();
  }
  return done;
}

/** Re-reads the keys into an existing keyring in place, so every holder sees new keys. */
export async function refreshKeyring(db: Db, masterKey: Buffer, keyring: Keyring): Promise<void> {
  const fresh = await loadKeyring(db, masterKey);
  for (const [id, key] of fresh.dataKeys) keyring.dataKeys.set(id, key);
  keyring.activeKeyId = fresh.activeKeyId;
}

/** How often a running server re-reads the keyring (see rotateKey's grace period). */
export const KEYRING_REFRESH_MS = 15_000;

/**
 * Rotates the data key without downtime. The new key is published inactive, so running servers
 * (which refresh every KEYRING_REFRESH_MS) can decrypt with it before anyone encrypts with it; after the
 * grace period it becomes active, every registered column (and every secret in a settings document) is re-encrypted
 * in small transactions, and
 * older data keys are marked retired (kept, still able to decrypt). With `newMasterKey` all keys are
 * also re-wrapped under the new master key.
 */
export async function rotateKey(db: Db, opts: RotateKeyOptions): Promise<RotateKeyResult> {
  const wrapping = opts.newMasterKey ?? opts.masterKey;
  const newKeyId = await publishNewKey(db, opts.masterKey, wrapping, opts.newMasterKey !== undefined);
  if (opts.graceSeconds) await new Promise((r) => setTimeout(r, opts.graceSeconds! * 1000));
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('platform_keys').set({ active: false }).where('kind', '=', 'data').execute();
    await trx.updateTable('platform_keys').set({ active: true }).where('id', '=', newKeyId).execute();
  });
  const keyring = await loadKeyring(db, wrapping);
  let reencrypted = 0;
  for (const target of opts.encrypted) reencrypted += await reencryptTable(db, keyring, target, opts);
  reencrypted += await reencryptSettings(db, keyring);
  await db
    .updateTable('platform_keys')
    .set({ retired_at: new Date() })
    .where('kind', '=', 'data')
    .where('id', '<>', newKeyId)
    .where('retired_at', 'is', null)
    .execute();
  return { newKeyId, reencrypted, rewrapped: Boolean(opts.newMasterKey) };
}

async function publishNewKey(db: Db, masterKey: Buffer, wrapping: Buffer, rewrap: boolean): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7410001)`.execute(trx);
    if (rewrap) {
      const all = await trx.selectFrom('platform_keys').select(['id', 'wrapped_key']).execute();
      for (const row of all) {
        const rewrapped = wrapKey(wrapping, unwrapKey(masterKey, row.wrapped_key));
        await trx.updateTable('platform_keys').set({ wrapped_key: rewrapped }).where('id', '=', row.id).execute();
      }
    }
    const row = await trx
      .insertInto('platform_keys')
      .values({ kind: 'data', wrapped_key: wrapKey(wrapping, generateKey()), active: false })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}
