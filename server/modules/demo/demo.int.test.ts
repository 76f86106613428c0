import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../../test/db.ts';
import { backupToFile } from '../../db/index.ts';
import { decryptField, generateKey } from '../../platform/crypto.ts';
import { loadKeyring } from '../../platform/keyring.ts';
import { seedDemoMessages } from './demo.messages.ts';
import { seedDemo } from './demo.seed.ts';

const AS_OF = new Date('2026-11-20T12:00:00Z');

async function fingerprint(db: TestDb['db']) {
  const r = await sql<{ c: number; o: number; t: number; e: number; names: string }>`
    select (select count(*)::int from customers) as c, (select count(*)::int from orders) as o,
      (select sum(total_amount)::bigint from orders) as t, (select count(*)::int from events) as e,
      (select string_agg(name, ',' order by id) from (select id, name from customers order by id limit 20) x) as names`.execute(db);
  return r.rows[0];
}

describe('demo store', () => {
  let a: TestDb;
  let b: TestDb;
  let keyring: Awaited<ReturnType<typeof loadKeyring>>;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDb(), createTestDb()]);
    keyring = await loadKeyring(a.db, generateKey());
    await seedDemo(a.db, keyring, { customers: 800, asOf: AS_OF });
    await seedDemo(b.db, await loadKeyring(b.db, generateKey()), { customers: 800, asOf: AS_OF });
  });
  afterAll(async () => {
    await a.drop();
    await b.drop();
  });

  it('is deterministic for the same seed and date', async () => {
    expect(await fingerprint(b.db)).toEqual(await fingerprint(a.db));
  });

  it('does nothing when customers already exist', async () => {
    expect((await seedDemo(a.db, keyring, { customers: 10 })).skipped).toBe(true);
  });

  it('looks like a real store: seven channels, heavy-tailed repeat buying, refunds, 双十一 peaks, lapsed customers', async () => {
    const r = await sql<{
      channels: number;
      buyers: number;
      repeaters: number;
      max_orders: number;
      refunded: number;
      cancelled: number;
      nov: number;
      avg_month: number;
      lapsed: number;
      chinese: number;
    }>`
      with per as (select customer_id, count(*) as n, max(placed_at) as last from orders group by customer_id)
      select (select count(distinct channel_id)::int from orders) as channels,
        (select count(*)::int from per) as buyers,
        (select count(*)::int from per where n >= 2) as repeaters,
        (select max(n)::int from per) as max_orders,
        (select count(*)::int from orders where status in ('refunded', 'partially_refunded')) as refunded,
        (select count(*)::int from orders where status = 'cancelled') as cancelled,
        (select count(*)::int from orders where placed_at >= '2025-11-01' and placed_at < '2025-11-12') as nov,
        (select count(*)::float / 24 from orders) as avg_month,
        (select count(*)::int from per where last < ${AS_OF}::timestamptz - interval '365 days') as lapsed,
        (select count(*)::int from customers where name ~ '^[\u4e00-\u9fff]{2,3}$') as chinese`.execute(a.db);
    const s = r.rows[0];
    expect(s.channels).toBe(7);
    expect(s.repeaters / s.buyers).toBeGreaterThan(0.15);
    expect(s.max_orders).toBeGreaterThanOrEqual(6);
    expect(s.refunded).toBeGreaterThan(0);
    expect(s.cancelled).toBeGreaterThan(0);
    expect(s.nov).toBeGreaterThan(s.avg_month * 0.6); // 11 days of 双十一 outsell an average month's share
    expect(s.lapsed).toBeGreaterThan(0);
    expect(s.chinese).toBe(800);
  });

  it('stores phones and emails only encrypted: a full dump holds no plaintext', async () => {
    const rows = await a.db.selectFrom('customers').select(['phone_enc', 'email_enc']).limit(200).execute();
    const plain = rows.flatMap((r) =>
      [r.phone_enc, r.email_enc].filter((v): v is string => v !== null).map((v) => decryptField(keyring, v)),
    );
    expect(plain.some((p) => /^\+861\d{10}$/.test(p))).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'patron-dump-')), 'dump.gz');
    await backupToFile(a.db, file);
    const dump = gunzipSync(readFileSync(file)).toString('utf8');
    for (const p of plain) {
      expect(dump.includes(p), p).toBe(false);
      expect(dump.includes(p.replace('+86', '')), p).toBe(false);
    }
  });

  it('queues a payment reminder for its newest unpaid orders from its own templates', async () => {
    const queued = await seedDemoMessages(a.db, { now: AS_OF, timeZone: 'Asia/Shanghai', currency: 'CNY' });
    expect(queued).toBeGreaterThan(0);
    const rows = await a.db.selectFrom('messages').select(['status', 'template_key', 'channel', 'purpose', 'variables']).execute();
    expect(rows).toHaveLength(queued);
    expect(rows[0]).toMatchObject({ status: 'queued', template_key: 'order-unpaid', channel: 'sms', purpose: 'transactional' });
    expect((await a.db.selectFrom('message_templates').select('key').orderBy('key').execute()).map((t) => t.key)).toEqual([
      'birthday',
      'order-unpaid',
      'welcome-back',
    ]);
    // Seeding again adds nothing (one message per order and template).
    expect(await seedDemoMessages(a.db, { now: AS_OF, timeZone: 'Asia/Shanghai', currency: 'CNY' })).toBe(queued);
    expect(await a.db.selectFrom('messages').select('id').execute()).toHaveLength(queued);
  });
});
