import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../../../test/db.ts';
import { generateKey, type Keyring } from '../../../platform/crypto.ts';
import { loadKeyring } from '../../../platform/keyring.ts';
import { processChanges } from '../../analytics/index.ts';
import { resolveCustomer } from '../../identity/index.ts';
import { runImport } from './import.service.ts';
import { undoImport } from './undo.service.ts';
import { patronComposition } from '../../../modules.ts';

const CUSTOMER_DATA = patronComposition.registry.customerData;

const dir = mkdtempSync(join(tmpdir(), 'patron-import-trust-'));
const write = (name: string, content: string | Buffer) => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};
const ACTOR = { type: 'system' as const, id: null, label: 'test', ip: null };
const NOW = new Date('2026-11-22T00:00:00Z');
const base = { timeZone: 'Europe/London', currency: 'GBP', now: () => NOW };
const RETAIL_HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

describe('imports a seller can trust', () => {
  let db: TestDb;
  let keyring: Keyring;
  beforeAll(async () => {
    db = await createTestDb();
    keyring = await loadKeyring(db.db, generateKey());
  });
  afterAll(() => db.drop());

  const customerOf = async (channel: string, key: string) =>
    Number(
      (
        await db.db
          .selectFrom('customer_identities')
          .select('customer_id')
          .where('channel', '=', channel)
          .where('key', '=', key)
          .executeTakeFirstOrThrow()
      ).customer_id,
    );

  it('stores a return invoice of several lines refunding one order, and a return of a purchase before the file against its buyer', async () => {
    // C537402: three return lines of three products by one buyer, all bought on one earlier invoice; C537403 returns
    // a product this buyer never bought in the file.
    const file = write(
      'returns.csv',
      `${RETAIL_HEADER}
537400,22423,REGENCY CAKESTAND 3 TIER,2,12/5/2010 10:00,12.75,14911.0,EIRE
537400,47566,PARTY BUNTING,4,12/5/2010 10:00,4.95,14911.0,EIRE
537400,84879,ASSORTED COLOUR BIRD ORNAMENT,8,12/5/2010 10:00,1.69,14911.0,EIRE
C537402,22423,REGENCY CAKESTAND 3 TIER,-1,12/6/2010 11:00,12.75,14911.0,EIRE
C537402,47566,PARTY BUNTING,-2,12/6/2010 11:00,4.95,14911.0,EIRE
C537402,84879,ASSORTED COLOUR BIRD ORNAMENT,-8,12/6/2010 11:00,1.69,14911.0,EIRE
C537403,21232,STRAWBERRY CERAMIC TRINKET BOX,-3,12/6/2010 12:00,1.25,14911.0,EIRE
`,
    );
    const s = await runImport(db.db, keyring, { ...base, kind: 'orders', file, channel: 'retail', dateFormat: 'M/D/YYYY H:mm' });
    expect(s).toMatchObject({ rows: 7, failed: 0, unlinkedReturns: 1, status: 'completed' });
    const order = await db.db.selectFrom('orders').selectAll().where('external_id', '=', '537400').executeTakeFirstOrThrow();
    expect(order).toMatchObject({ total_amount: 2550 + 1980 + 1352, refunded_amount: 1275 + 990 + 1352, status: 'partially_refunded' });
    const buyer = await customerOf('retail', '14911');
    const loose = await db.db
      .selectFrom('refunds')
      .select(['order_id', 'amount', 'external_id'])
      .where('customer_id', '=', buyer)
      .where('order_id', 'is', null)
      .execute();
    expect(loose).toEqual([{ order_id: null, amount: 375, external_id: 'C537403:21232' }]);
    await processChanges(db.db, { now: NOW, timeZone: 'Europe/London' });
    const metrics = await db.db
      .selectFrom('customer_metrics')
      .select(['orders_count', 'net_spent'])
      .where('customer_id', '=', buyer)
      .executeTakeFirstOrThrow();
    expect(metrics).toEqual({ orders_count: 1, net_spent: 5882 - 3617 - 375 });

    const undone = await undoImport(db.db, { id: s.id, actor: ACTOR, now: NOW, data: CUSTOMER_DATA });
    expect(undone).toMatchObject({ orders: 1, refunds: 2 });
    expect(await db.db.selectFrom('refunds').select('id').where('customer_id', '=', buyer).execute()).toEqual([]);
  });

  it('imports an order-level file (no item columns) as orders without lines', async () => {
    const file = write(
      'order-level.csv',
      '订单号,买家ID,下单时间,实付金额\nOL-1,b1,2026-05-01 10:00,199.00\nOL-2,b2,2026-05-02 11:30,58.5\nOL-3,b3,2026-05-03 09:00,\n',
    );
    const s = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      kind: 'orders',
      file,
      channel: 'orderlevel',
    });
    expect(s).toMatchObject({ rows: 3, created: 2, failed: 1 });
    const orders = await db.db
      .selectFrom('orders')
      .select(['external_id', 'total_amount'])
      .where('external_id', 'in', ['OL-1', 'OL-2'])
      .orderBy('external_id')
      .execute();
    expect(orders).toEqual([
      { external_id: 'OL-1', total_amount: 19900 },
      { external_id: 'OL-2', total_amount: 5850 },
    ]);
    const errors = await db.db.selectFrom('import_errors').select(['row_number', 'reason']).where('import_id', '=', s.id).execute();
    expect(errors).toEqual([{ row_number: 3, reason: 'neither items (sku or product_name) nor a total' }]);
  });

  it('treats an order id starting with C as an order unless the import names that prefix, or a type column, as returns', async () => {
    const header = 'order,customer,date,sku,qty,price,type';
    const plain = write('c-orders.csv', `${header}\nC1001,k1,2026-01-01 10:00,A,1,10,\nC1002,k1,2026-01-02 10:00,A,1,10,\n`);
    const mapping = {
      order_id: 'order',
      customer_external_id: 'customer',
      placed_at: 'date',
      sku: 'sku',
      quantity: 'qty',
      unit_price: 'price',
    };
    const a = await runImport(db.db, keyring, { ...base, kind: 'orders', file: plain, channel: 'cshop', mapping });
    expect(a).toMatchObject({ created: 2, failed: 0 });
    expect((await db.db.selectFrom('orders').select('external_id').where('external_id', 'in', ['C1001', 'C1002']).execute()).length).toBe(
      2,
    );

    const prefixed = write(
      'c-returns.csv',
      `${header}\nR1,k2,2026-01-01 10:00,A,2,10,\nC2,k2,2026-01-02 10:00,A,1,10,\nX3,k2,2026-01-03 10:00,A,1,10,退货\n`,
    );
    const b = await runImport(db.db, keyring, {
      ...base,
      kind: 'orders',
      file: prefixed,
      channel: 'cshop',
      mapping: { ...mapping, order_type: 'type' },
      returnsPrefix: 'C',
    });
    expect(b).toMatchObject({ created: 1, updated: 2, failed: 0 });
    const r1 = await db.db
      .selectFrom('orders')
      .select(['refunded_amount', 'status'])
      .where('external_id', '=', 'R1')
      .executeTakeFirstOrThrow();
    expect(r1).toEqual({ refunded_amount: 2000, status: 'refunded' });
  });

  it('fills only empty fields of an existing customer, updates them when asked, and undo restores every field it changed', async () => {
    const known = await resolveCustomer(db.db, keyring, {
      identifiers: [{ kind: 'phone', value: '13912345678' }],
      profile: { name: '张三', birthday: '1988-08-08' },
      source: 'manual',
      now: NOW,
    });
    const file = write('overwrite.csv', '手机号,姓名,生日,邮箱,省份,会员等级\n13912345678,张三丰,1990-01-01,zs@example.com,浙江,金卡\n');
    const fill = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      kind: 'customers',
      file,
      channel: 'crm',
      attributes: { 会员等级: 'member_level' },
    });
    expect(fill).toMatchObject({ rows: 1, updated: 1, failed: 0 });
    const filled = await db.db.selectFrom('customers').selectAll().where('id', '=', known.customerId).executeTakeFirstOrThrow();
    expect(filled).toMatchObject({ name: '张三', birthday: '1988-08-08', province: '浙江省', attributes: { member_level: '金卡' } });
    expect(filled.email_bidx).not.toBeNull();
    expect(
      await db.db.selectFrom('attribute_definitions').select(['key', 'label', 'type']).where('key', '=', 'member_level').executeTakeFirst(),
    ).toEqual({ key: 'member_level', label: '会员等级', type: 'text' });

    const file2 = write('overwrite-2.csv', '手机号,姓名,生日,会员等级\n13912345678,张三丰,1990-01-01,钻石卡\n');
    const update = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      kind: 'customers',
      file: file2,
      channel: 'crm',
      updateExisting: true,
      attributes: { 会员等级: 'member_level' },
    });
    const updated = await db.db.selectFrom('customers').selectAll().where('id', '=', known.customerId).executeTakeFirstOrThrow();
    expect(updated).toMatchObject({ name: '张三丰', birthday: '1990-01-01', attributes: { member_level: '钻石卡' } });

    await undoImport(db.db, { id: update.id, actor: ACTOR, now: NOW, data: CUSTOMER_DATA });
    expect(await db.db.selectFrom('customers').selectAll().where('id', '=', known.customerId).executeTakeFirstOrThrow()).toMatchObject({
      name: '张三',
      birthday: '1988-08-08',
      attributes: { member_level: '金卡' },
    });
    await undoImport(db.db, { id: fill.id, actor: ACTOR, now: NOW, data: CUSTOMER_DATA });
    const restored = await db.db.selectFrom('customers').selectAll().where('id', '=', known.customerId).executeTakeFirstOrThrow();
    expect(restored).toMatchObject({ name: '张三', birthday: '1988-08-08', province: null, email_bidx: null, attributes: {} });
    expect(await db.db.selectFrom('customer_identities').select('kind').where('customer_id', '=', known.customerId).execute()).toEqual([
      { kind: 'phone' },
    ]);
  });

  it('rejects an impossible birthday with the reason instead of moving it to the next month', async () => {
    const file = write('bad-day.csv', 'member,birthday\nD1,1995-02-30\nD2,1995-02-28\n');
    const s = await runImport(db.db, keyring, {
      ...base,
      kind: 'customers',
      file,
      channel: 'days',
      mapping: { external_id: 'member', birthday: 'birthday' },
    });
    expect(s).toMatchObject({ rows: 2, created: 1, failed: 1 });
    const errors = await db.db.selectFrom('import_errors').select(['row_number', 'reason']).where('import_id', '=', s.id).execute();
    expect(errors).toEqual([{ row_number: 1, reason: 'birthday: not a date (1995-02-30)' }]);
  });

  it('reads a GB18030 file (Excel on Chinese Windows) as Chinese text, and ends "completed with errors" when most rows fail', async () => {
    const file = write('gbk.csv', iconv.encode('会员ID,姓名,省份\nG1,王小明,广东省\nG2,李雷,北京市\n', 'gb18030'));
    const s = await runImport(db.db, keyring, { ...base, timeZone: 'Asia/Shanghai', kind: 'customers', file, channel: 'gbk' });
    expect(s).toMatchObject({ encoding: 'gb18030', rows: 2, created: 2, status: 'completed' });
    expect(s.mapping).toMatchObject({ external_id: '会员ID', name: '姓名', province: '省份' });
    const g1 = await db.db
      .selectFrom('customers')
      .select('name')
      .where('id', '=', await customerOf('gbk', 'G1'))
      .executeTakeFirstOrThrow();
    expect(g1.name).toBe('王小明');

    const dates = write('wrong-format.csv', 'order,customer,date,total\nW1,w1,31/12/2025,10\nW2,w2,30/12/2025,10\nW3,w3,2025-12-29,10\n');
    const bad = await runImport(db.db, keyring, {
      ...base,
      kind: 'orders',
      file: dates,
      channel: 'wrong',
      mapping: { order_id: 'order', customer_external_id: 'customer', placed_at: 'date', total: 'total' },
    });
    expect(bad).toMatchObject({ rows: 3, failed: 2, status: 'completed_with_errors' });
  });
});
