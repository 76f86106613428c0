import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../../../../test/db.ts';
import { generateKey, type Keyring } from '../../../platform/crypto.ts';
import { loadKeyring } from '../../../platform/keyring.ts';
import { createDynamicSegment, refreshSegment } from '../../segments/index.ts';
import { runImport } from './import.service.ts';
import { suggestMapping } from './mapping.ts';
import { undoImport } from './undo.service.ts';
import { patronComposition } from '../../../modules.ts';

const CUSTOMER_DATA = patronComposition.registry.customerData;

const dir = mkdtempSync(join(tmpdir(), 'patron-import-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const ACTOR = { type: 'system' as const, id: null, label: 'test', ip: null };
const base = { timeZone: 'Europe/London', currency: 'GBP', now: () => new Date('2026-11-22T00:00:00Z') };

// The shape of the UCI "Online Retail" data set: order lines, numeric ids written as 17850.0,
// cancellation invoices starting with C and negative quantities.
const RETAIL = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850.0,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850.0,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,,United Kingdom
536368,22960,JAM MAKING SET WITH JARS,6,13/45/2010 8:34,4.25,13047.0,United Kingdom
C536379,71053,WHITE METAL LANTERN,-2,12/1/2010 9:41,3.39,17850.0,United Kingdom
536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/1/2010 8:45,3.75,12583.0,France
`;

describe('CSV import', () => {
  let db: TestDb;
  let keyring: Keyring;
  beforeAll(async () => {
    db = await createTestDb();
    keyring = await loadKeyring(db.db, generateKey());
  });
  afterAll(() => db.drop());

  it('suggests mappings from English and Chinese headers', () => {
    expect(
      suggestMapping('orders', ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID']),
    ).toEqual({
      order_id: 'InvoiceNo',
      customer_external_id: 'CustomerID',
      placed_at: 'InvoiceDate',
      sku: 'StockCode',
      product_name: 'Description',
      quantity: 'Quantity',
      unit_price: 'UnitPrice',
    });
    expect(suggestMapping('customers', ['手机号', '姓名', '邮箱', '省份', '城市', '生日', '会员ID'])).toMatchObject({
      phone: '手机号',
      name: '姓名',
      email: '邮箱',
      province: '省份',
      city: '城市',
      birthday: '生日',
      external_id: '会员ID',
    });
    expect(suggestMapping('orders', ['订单号', '下单时间', '数量', '商品编码', '手机号'])).toMatchObject({
      order_id: '订单号',
      placed_at: '下单时间',
      quantity: '数量',
      sku: '商品编码',
      phone: '手机号',
    });
  });

  it('imports order lines grouped into orders, turns returns into refunds, and reports every rejected row', async () => {
    const file = write('retail.csv', RETAIL);
    // As a large import (≥ 50,000 rows) ends: with `vacuum analyze` of what it wrote.
    const s = await runImport(db.db, keyring, {
      ...base,
      kind: 'orders',
      file,
      channel: 'uk_store',
      dateFormat: 'M/D/YYYY H:mm',
      vacuumFrom: 1,
    });
    const maintained = await sql<{ relname: string }>`
      select relname from pg_stat_user_tables where last_vacuum is not null and last_analyze is not null and relname in ('orders', 'order_items', 'customers')`.execute(
      db.db,
    );
    expect(maintained.rows.map((r) => r.relname).sort()).toEqual(['customers', 'order_items', 'orders']);
    expect(s.rows).toBe(7);
    expect(s.created + s.updated + s.skipped + s.failed).toBe(7);
    expect(s.failed).toBe(2);
    const errors = await db.db
      .selectFrom('import_errors')
      .select(['row_number', 'column_name', 'reason'])
      .where('import_id', '=', s.id)
      .orderBy('row_number')
      .execute();
    expect(errors).toEqual([
      { row_number: 4, column_name: 'CustomerID', reason: 'no buyer: map customer_external_id, phone or email' },
      { row_number: 5, column_name: 'InvoiceDate', reason: 'placed_at: not a date in the expected format (13/45/2010 8:34)' },
    ]);
    const first = await db.db.selectFrom('orders').selectAll().where('external_id', '=', '536365').executeTakeFirstOrThrow();
    expect(first).toMatchObject({ total_amount: 3564, currency: 'GBP', status: 'partially_refunded', refunded_amount: 678 });
    expect(first.placed_at.toISOString()).toBe('2010-12-01T08:26:00.000Z');
    const refunds = await db.db
      .selectFrom('refunds')
      .select(['external_id', 'amount', 'source'])
      .where('order_id', '=', first.id)
      .execute();
    expect(refunds).toEqual([{ external_id: expect.stringMatching(/^C536379:/), amount: 678, source: `import:${s.id}` }]);
    expect(await db.db.selectFrom('order_items').select('sku').where('order_id', '=', first.id).orderBy('sku').execute()).toEqual([
      { sku: '71053' },
      { sku: '85123A' },
    ]);
    const owner = await db.db
      .selectFrom('customer_identities')
      .select(['key', 'customer_id'])
      .where('channel', '=', 'uk_store')
      .where('key', '=', '17850')
      .executeTakeFirstOrThrow();
    expect(owner.customer_id).toBe(first.customer_id);
    expect(await db.db.selectFrom('orders').select('id').where('external_id', '=', 'C536379').executeTakeFirst()).toBeUndefined();
    // A set-based import writes the order lifecycle like every other path: placed, paid, then the return's refund.
    const events = await db.db
      .selectFrom('domain_events')
      .select(['type', 'payload'])
      .where('key', 'like', `order.%:${first.id}%`)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.paid', 'order.refunded']);
    expect(events[2].payload).toMatchObject({ importId: s.id, refundedAmount: 678 });
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await db.db.selectFrom('orders').select('id').execute();
    const again = await runImport(db.db, keyring, {
      ...base,
      kind: 'orders',
      file: join(dir, 'retail.csv'),
      channel: 'uk_store',
      dateFormat: 'M/D/YYYY H:mm',
    });
    expect(again.alreadyImported).toBe(true);
    expect((await db.db.selectFrom('orders').select('id').execute()).length).toBe(before.length);
  });

  it('resumes an interrupted import after its last committed row, without duplicates, and can undo it', async () => {
    const lines = ['order,customer,date,sku,qty,price'];
    for (let i = 1; i <= 40; i++)
      for (const sku of ['A', 'B']) lines.push(`R${i},c${i % 7},2026-01-${String((i % 28) + 1).padStart(2, '0')} 10:00,${sku},1,9.90`);
    const file = write('resume.csv', `${lines.join('\n')}\n`);
    const opts = {
      ...base,
      kind: 'orders' as const,
      file,
      channel: 'shop',
      batchSize: 10,
      mapping: { order_id: 'order', customer_external_id: 'customer', placed_at: 'date', sku: 'sku', quantity: 'qty', unit_price: 'price' },
    };
    const partial = await runImport(db.db, keyring, { ...opts, stopAfterBatches: 3 });
    expect(partial.status).toBe('running');
    expect(partial.rows).toBe(30);
    const done = await runImport(db.db, keyring, opts);
    expect(done).toMatchObject({ id: partial.id, status: 'completed', rows: 80, resumedFrom: 30, created: 80, failed: 0 });
    const orders = await db.db
      .selectFrom('orders')
      .innerJoin('channels', 'channels.id', 'orders.channel_id')
      .select('orders.id')
      .where('channels.code', '=', 'shop')
      .execute();
    expect(orders.length).toBe(40);
    const items = await db.db
      .selectFrom('order_items')
      .select('id')
      .where(
        'order_id',
        'in',
        orders.map((o) => o.id),
      )
      .execute();
    expect(items.length).toBe(80);
    const buyers = (
      await db.db
        .selectFrom('orders')
        .select('customer_id')
        .distinct()
        .where(
          'id',
          'in',
          orders.map((o) => o.id),
        )
        .execute()
    ).map((r) => Number(r.customer_id));
    await db.db.deleteFrom('customer_changes').execute();
    const vacuums = async () =>
      Number(
        (await sql<{ n: number }>`select vacuum_count as n from pg_stat_user_tables where relname = 'orders'`.execute(db.db)).rows[0].n,
      );
    const vacuumedBefore = await vacuums();
    // As a large undo (≥ 50,000 rows removed) ends: with `vacuum analyze` of the tables the import wrote.
    const undone = await undoImport(db.db, { id: done.id, actor: ACTOR, now: new Date(), data: CUSTOMER_DATA, vacuumFrom: 1 });
    expect(undone).toMatchObject({ orders: 40, customers: 7 });
    expect(await vacuums()).toBe(vacuumedBefore + 1);
    // Deleted orders mark their customers changed (metrics and segment activity follow them).
    const marked = await db.db.selectFrom('customer_changes').select('customer_id').execute();
    expect(marked.map((r) => Number(r.customer_id)).sort((a, b) => a - b)).toEqual(buyers.sort((a, b) => a - b));
    const left = await db.db
      .selectFrom('orders')
      .innerJoin('channels', 'channels.id', 'orders.channel_id')
      .select('orders.id')
      .where('channels.code', '=', 'shop')
      .execute();
    expect(left.length).toBe(0);
    await expect(undoImport(db.db, { id: done.id, actor: ACTOR, now: new Date(), data: CUSTOMER_DATA })).rejects.toThrow(/undone/);
  });

  it('imports customers with Chinese headers and keeps rejected values with reasons', async () => {
    const file = write(
      'people.csv',
      '\uFEFF会员ID,姓名,手机号,邮箱,省份,生日\nM1,王小明,13812345678,WANG@qq.com,广东省,1990-01-02\nM2,李雷,12345,li@163.com,北京市,\n,无名氏,,,上海市,\n',
    );
    // A row a batch: the batches run side by side (two in the database at once).
    const s = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      kind: 'customers',
      file,
      channel: 'members',
      batchSize: 1,
    });
    expect(s).toMatchObject({ rows: 3, created: 2, failed: 1 });
    const errors = await db.db
      .selectFrom('import_errors')
      .select(['row_number', 'column_name', 'reason'])
      .where('import_id', '=', s.id)
      .orderBy('row_number')
      .execute();
    expect(errors).toEqual([
      { row_number: 2, column_name: '手机号', reason: 'phone: not a valid phone number (row imported without it)' },
      { row_number: 3, column_name: null, reason: 'no identifier: map external_id, phone or email' },
    ]);
    const m1 = await db.db
      .selectFrom('customer_identities')
      .select('customer_id')
      .where('channel', '=', 'members')
      .where('key', '=', 'M1')
      .executeTakeFirstOrThrow();
    const c = await db.db.selectFrom('customers').selectAll().where('id', '=', m1.customer_id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ name: '王小明', province: '广东省', birthday: '1990-01-02' });
  });

  it('imports cells holding a NUL byte (which PostgreSQL cannot store) with the replacement character', async () => {
    const file = write('nul.csv', 'order,customer,date,sku,qty,price\nN1,n1,2026-02-01 10:00,X\u0000,1,5\nN2,n2,2026-02-01 10:00,Y,1,5\n');
    const mapping = {
      order_id: 'order',
      customer_external_id: 'customer',
      placed_at: 'date',
      sku: 'sku',
      quantity: 'qty',
      unit_price: 'price',
    };
    const s = await runImport(db.db, keyring, { ...base, kind: 'orders', file, channel: 'nul', mapping });
    expect(s).toMatchObject({ rows: 2, created: 2, failed: 0 });
    const n1 = await db.db.selectFrom('orders').select('id').where('external_id', '=', 'N1').executeTakeFirstOrThrow();
    expect(await db.db.selectFrom('order_items').select('sku').where('order_id', '=', n1.id).execute()).toEqual([{ sku: 'X\uFFFD' }]);
  });

  it('imports a batch set-based, and row by row when the database refuses part of it', async () => {
    const mapping = {
      order_id: 'order',
      customer_external_id: 'customer',
      name: 'name',
      placed_at: 'date',
      sku: 'sku',
      quantity: 'qty',
      unit_price: 'price',
      total: 'total',
    };
    const header = 'order,customer,name,date,sku,qty,price,total';
    const clean = write(
      'bulk.csv',
      `${header}\nB1,k1,Ann,2026-02-01 10:00,X,1,5,\nB2,k2,Bo,2026-02-02 10:00,X,2,5,\nB1,k1,Ann B,2026-02-01 10:00,Y,1,7,\nB3,k1,,2026-02-03 10:00,Y,1,7,\n`,
    );
    const s = await runImport(db.db, keyring, { ...base, kind: 'orders', file: clean, channel: 'bulk', mapping });
    expect(s).toMatchObject({ rows: 4, created: 3, updated: 1, failed: 0 });
    const b1 = await db.db.selectFrom('orders').selectAll().where('external_id', '=', 'B1').executeTakeFirstOrThrow();
    // B1's rows are apart in the file: the second group adds its line to the first.
    expect(b1.total_amount).toBe(1200);
    expect(
      (await db.db.selectFrom('order_items').select('sku').where('order_id', '=', b1.id).orderBy('sku').execute()).map((i) => i.sku),
    ).toEqual(['X', 'Y']);
    const b3 = await db.db.selectFrom('orders').select('customer_id').where('external_id', '=', 'B3').executeTakeFirstOrThrow();
    expect(b3.customer_id).toBe(b1.customer_id);
    // An import fills empty fields only: the name the first row gave stays.
    expect(await db.db.selectFrom('customers').select('name').where('id', '=', b1.customer_id).executeTakeFirstOrThrow()).toEqual({
      name: 'Ann',
    });

    const refused = write(
      'refused.csv',
      `${header}\nD1,k9,,2026-02-01 10:00,X,1,5,\nD2,k9,,2026-02-02 10:00,X,1,5,1e30\nD3,k10,,2026-02-03 10:00,X,1,5,\n`,
    );
    const r = await runImport(db.db, keyring, { ...base, kind: 'orders', file: refused, channel: 'bulk', mapping });
    expect(r).toMatchObject({ rows: 3, created: 2, failed: 1 });
    const errors = await db.db.selectFrom('import_errors').select(['row_number', 'reason']).where('import_id', '=', r.id).execute();
    expect(errors).toHaveLength(1);
    expect(errors[0].row_number).toBe(2);
    expect(errors[0].reason).toMatch(/^could not be stored/);
    expect(
      (
        await db.db
          .selectFrom('orders')
          .select('external_id')
          .where('external_id', 'in', ['D1', 'D2', 'D3'])
          .orderBy('external_id')
          .execute()
      ).map((o) => o.external_id),
    ).toEqual(['D1', 'D3']);
  });

  it('runs batches side by side and commits them in file order: an order continued from the batch before keeps its lines, a refused row goes row by row', async () => {
    const mapping = {
      order_id: 'order',
      customer_external_id: 'customer',
      phone: 'phone',
      placed_at: 'date',
      sku: 'sku',
      quantity: 'qty',
      unit_price: 'price',
    };
    const header = 'order,customer,phone,date,sku,qty,price';
    // Batches of 3 rows; the products' prices change from batch to batch (each batch updates them, in SKU order).
    const rows = [
      'SB1,s1,,2026-03-01 10:00,P,1,5',
      'SB2,s2,,2026-03-01 10:00,Q,1,6',
      'SB3,s3,,2026-03-01 10:00,R,1,7',
      // SB1 continues in the next batch under a buyer that batch does not share with the one before (no wait): it
      // must join the lines the batch before stored, after that batch committed.
      'SB1,,13800138000,2026-03-01 10:00,Q,2,8',
      'SB4,s4,,2026-03-02 10:00,R,1,9',
      'SB5,s5,,2026-03-02 10:00,P,1,4',
      'SB6,s6,,2026-03-03 10:00,Q,1,3',
      'SB7,s7,,2026-03-03 10:00,P,1,2',
      'SB8,s8,,2026-03-03 10:00,R,1,1',
    ];
    const file = write('side-by-side.csv', `${header}\n${rows.join('\n')}\n`);
    const s = await runImport(db.db, keyring, { ...base, kind: 'orders', file, channel: 'sbs', mapping, batchSize: 3 });
    expect(s).toMatchObject({ status: 'completed', rows: 9, created: 8, updated: 1, failed: 0 });
    const s1 = await db.db.selectFrom('orders').selectAll().where('external_id', '=', 'SB1').executeTakeFirstOrThrow();
    expect(
      await db.db.selectFrom('order_items').select(['sku', 'quantity']).where('order_id', '=', s1.id).orderBy('sku').execute(),
    ).toEqual([
      { sku: 'P', quantity: 1 },
      { sku: 'Q', quantity: 2 },
    ]);
    expect(s1.total_amount).toBe(2100);
    // The last line naming a product sets its price.
    expect(
      await db.db.selectFrom('products').select(['sku', 'price_amount']).where('sku', 'in', ['P', 'Q', 'R']).orderBy('sku').execute(),
    ).toEqual([
      { sku: 'P', price_amount: 200 },
      { sku: 'Q', price_amount: 300 },
      { sku: 'R', price_amount: 100 },
    ]);

    // The database refuses a buyer of the second batch (a quantity out of range): that batch goes row by
    // row, after the batch before committed, beside the next one.
    const broken = write(
      'side-by-side-broken.csv',
      `${header}\n${['T1,t1,,2026-03-01 10:00,P,1,5', 'T2,t2,,2026-03-01 10:00,P,1,5', 'T3,t3,,2026-03-01 10:00,P,3000000000,5', 'T4,t4,,2026-03-01 10:00,P,1,5'].join('\n')}\n`,
    );
    const b = await runImport(db.db, keyring, { ...base, kind: 'orders', file: broken, channel: 'sbs', mapping, batchSize: 2 });
    expect(b).toMatchObject({ status: 'completed', rows: 4, created: 3, failed: 1 });
    const errors = await db.db.selectFrom('import_errors').select(['row_number', 'reason']).where('import_id', '=', b.id).execute();
    expect(errors).toEqual([{ row_number: 3, reason: expect.stringMatching(/^could not be stored/) }]);
  });

  it('undoes an import whose people were since quarantined, addressed, segmented and tagged: what the import left goes, a tagged person stays', async () => {
    const file = write(
      'undo-people.csv',
      '会员ID,姓名,手机号,省份,地址\nU1,甲,13900000001,浙江省,文三路 1 号\nU2,乙,12345,浙江省,文三路 2 号\nU3,丙,13900000003,浙江省,\n',
    );
    const s = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      kind: 'customers',
      file,
      channel: 'undo-people',
    });
    expect(s).toMatchObject({ rows: 3, created: 3 });
    const people = await db.db
      .selectFrom('customer_identities')
      .select(['key', 'customer_id'])
      .where('channel', '=', 'undo-people')
      .orderBy('key')
      .execute();
    const [u1, u2, u3] = people.map((p) => Number(p.customer_id));
    expect(await db.db.selectFrom('data_quarantine').select('field').where('customer_id', '=', u2).execute()).toEqual([{ field: 'phone' }]);
    const clock = { now: new Date('2026-11-22T00:00:00Z'), timeZone: 'Asia/Shanghai' };
    const rules = {
      type: 'group' as const,
      op: 'and' as const,
      children: [{ type: 'profile' as const, field: 'province', operator: 'eq' as const, value: '浙江省' }],
    };
    const seg = await createDynamicSegment(db.db, { name: 'undo 浙江', rules, actor: ACTOR, clock, onSaved: async () => undefined });
    await refreshSegment(db.db, seg.id, clock);
    await db.db.insertInto('customer_tags').values({ customer_id: u3, tag: 'vip', source: 'manual' }).execute();

    const undone = await undoImport(db.db, { id: s.id, actor: ACTOR, now: new Date('2026-11-23T00:00:00Z'), data: CUSTOMER_DATA });
    expect(undone).toMatchObject({ customers: 2, keptCustomers: 1 });
    expect((await db.db.selectFrom('customers').select('id').where('id', 'in', [u1, u2, u3]).execute()).map((c) => Number(c.id))).toEqual([
      u3,
    ]);
    for (const table of ['customer_addresses', 'data_quarantine', 'customer_identities', 'segment_members'] as const) {
      expect(await db.db.selectFrom(table).select('customer_id').where('customer_id', 'in', [u1, u2]).execute()).toEqual([]);
    }
    const segment = await db.db.selectFrom('segments').select('size').where('id', '=', seg.id).executeTakeFirstOrThrow();
    expect(segment.size).toBeGreaterThanOrEqual(1);
    expect(
      await db.db
        .selectFrom('segment_members')
        .select('customer_id')
        .where('segment_id', '=', seg.id)
        .where('customer_id', '=', u3)
        .execute(),
    ).toHaveLength(1);
    const history = await db.db
      .selectFrom('segment_membership_history')
      .select(['customer_id', 'exited_at'])
      .where('segment_id', '=', seg.id)
      .where('customer_id', 'in', [u1, u2])
      .execute();
    expect(history).toHaveLength(2);
    expect(history.every((h) => h.exited_at?.toISOString() === '2026-11-23T00:00:00.000Z')).toBe(true);
  });

  it('imports behaviour events: people resolved, anonymous ids stitched, other columns as properties, the same events twice stored once, undone', async () => {
    const header = '\uFEFF会员ID,手机号,设备ID,事件,时间,商品,渠道页,属性';
    const file = write(
      'events.csv',
      `${header}
E1,13811112222,dev-1,Product Viewed,2026-03-01 10:00,SKU-1,home,"{""price"": 99, ""phone"": ""13811112222""}"
,,dev-1,Product Viewed,2026-03-01 10:05,SKU-2,search,
,,dev-9,Page Viewed,2026-03-01 10:06,,landing,
E2,,,,2026-03-01 10:07,,,
E2,,,Order Completed,2026-03-01 10:08,,,[1]
`,
    );
    // A row a batch, side by side: the second row's visitor (dev-1) is the first's, so its batch waits for the first.
    const s = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      kind: 'events',
      file,
      channel: 'app',
      batchSize: 1,
    });
    expect(s.mapping).toMatchObject({
      customer_external_id: '会员ID',
      phone: '手机号',
      anonymous_id: '设备ID',
      event: '事件',
      occurred_at: '时间',
      properties: '属性',
    });
    expect(s).toMatchObject({ rows: 5, created: 3, skipped: 0, failed: 2 });
    const errors = await db.db
      .selectFrom('import_errors')
      .select(['row_number', 'column_name', 'reason'])
      .where('import_id', '=', s.id)
      .orderBy('row_number')
      .execute();
    expect(errors).toEqual([
      { row_number: 4, column_name: '事件', reason: 'event is empty' },
      { row_number: 5, column_name: '属性', reason: 'properties: not a JSON object' },
    ]);
    const e1 = await db.db
      .selectFrom('customer_identities')
      .select('customer_id')
      .where('channel', '=', 'app')
      .where('key', '=', 'E1')
      .executeTakeFirstOrThrow();
    const events = await db.db
      .selectFrom('events')
      .select(['customer_id', 'anonymous_id', 'name', 'properties', 'occurred_at'])
      .where('import_id', '=', s.id)
      .orderBy('occurred_at')
      .execute();
    expect(events.map((e) => [e.customer_id, e.anonymous_id, e.name])).toEqual([
      [e1.customer_id, 'dev-1', 'Product Viewed'],
      [e1.customer_id, 'dev-1', 'Product Viewed'],
      [null, 'dev-9', 'Page Viewed'],
    ]);
    expect(events[0].properties).toEqual({ 商品: 'SKU-1', 渠道页: 'home', price: 99 });
    expect(events[0].occurred_at.toISOString()).toBe('2026-03-01T02:00:00.000Z');

    const copy = write(
      'events-copy.csv',
      `${header}\nE1,13811112222,dev-1,Product Viewed,2026-03-01 10:00,SKU-1,home,"{""price"": 99, ""phone"": ""13811112222""}"\n`,
    );
    const again = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      kind: 'events',
      file: copy,
      channel: 'app',
    });
    expect(again).toMatchObject({ rows: 1, created: 0, skipped: 1 });

    const undone = await undoImport(db.db, { id: s.id, actor: ACTOR, now: new Date(), data: CUSTOMER_DATA });
    expect(undone).toMatchObject({ events: 3, customers: 1 });
    expect(await db.db.selectFrom('events').select('id').where('import_id', '=', s.id).execute()).toEqual([]);
  });

  it("keeps the receiver address of imported orders as the buyer's address and the order's shipping address", async () => {
    const file = write(
      'shipped.csv',
      '订单号,买家ID,下单时间,商品编码,数量,单价,收货省份,收货城市,收货地址\nS1,b-1,2026-05-01 10:00,X,1,10,浙江,杭州,文一西路 969 号\nS2,b-1,2026-05-02 10:00,X,1,10,浙江省,杭州市,文一西路  969 号\n',
    );
    const s = await runImport(db.db, keyring, {
      ...base,
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      kind: 'orders',
      file,
      channel: 'ship',
    });
    expect(s).toMatchObject({ rows: 2, created: 2, failed: 0 });
    expect(s.mapping).toMatchObject({ province: '收货省份', city: '收货城市', address: '收货地址' });
    const orders = await db.db
      .selectFrom('orders')
      .select(['customer_id', 'shipping_address_id'])
      .where('external_id', 'in', ['S1', 'S2'])
      .execute();
    const places = await db.db
      .selectFrom('customer_addresses')
      .select(['id', 'province', 'city'])
      .where('customer_id', '=', orders[0].customer_id)
      .execute();
    expect(places).toEqual([{ id: expect.any(Number), province: '浙江省', city: '杭州市' }]);
    expect(orders.map((o) => o.shipping_address_id)).toEqual([places[0].id, places[0].id]);
  });
});
