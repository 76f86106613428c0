import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, as, signIn, startTestPatron } from '../test/app.ts';
import type { Patron } from './app.ts';
import { dispatchEvents } from './events/index.ts';
import { defineModule } from './module.ts';
import { allModules, compose } from './modules.ts';
import { upsertOrder } from './modules/commerce/index.ts';
import { runImport } from './modules/ingest/index.ts';

/**
 * A module no other module knows of — a stamp card with its own customer table, a segment field, a 360 panel and a
 * subscription to paid orders — added to the composition alone. Merge, DSR export, erasure, import undo, change
 * marking, the 360 API, the rule builder and the event dispatcher must all pick it up.
 */
const seen = new Set<number>();
const audited: number[] = [];
const stamps = defineModule({
  name: 'stamps',
  customerData: [{ table: 'test_stamps', erase: 'delete', changes: ['insert'] }],
  segmentFields: [
    {
      key: 'stamps.total',
      type: 'number',
      label: { 'zh-CN': '印章数', en: 'Stamps' },
      expr: sql`(select coalesce(sum(s.count), 0) from test_stamps s where s.customer_id = c.id)`,
    },
  ],
  panels: [
    {
      key: 'stamps',
      title: { 'zh-CN': '集章卡', en: 'Stamp card' },
      load: async (db, { customerId }) => ({
        columns: [{ key: 'count', label: { 'zh-CN': '印章', en: 'Stamps' } }],
        rows: (await sql<{ count: number }>`select count from test_stamps where customer_id = ${customerId} order by id`.execute(db)).rows,
      }),
    },
  ],
  subscriptions: [
    {
      // Fails the first time it sees each event: its retries must not re-run the other subscriber.
      name: 'stamps-audit',
      types: ['order.paid'],
      handle: async (event) => {
        if (!seen.has(event.id)) {
          seen.add(event.id);
          throw new Error('audit store unavailable');
        }
        audited.push(event.id);
      },
    },
    {
      name: 'stamps-on-paid',
      types: ['order.paid'],
      maxAttempts: 2,
      handle: async (event, ctx) => {
        const payload = event.payload as { orderId: number };
        if (payload.orderId < 0) throw new Error('never');
        await sql`insert into test_stamps (customer_id, count) values (${event.customerId}, 1)`.execute(ctx.db);
      },
    },
  ],
});

describe('a module added to the composition', () => {
  let patron: Patron;
  let owner: Session;
  let channelId: number;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    patron.http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(owner),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const person = async (email: string) => (await api('POST', '/customers', { email, name: email })).json().customerId as number;
  const stampsOf = async (id: number) =>
    Number(
      (await sql<{ n: number }>`select coalesce(sum(count), 0)::int as n from test_stamps where customer_id = ${id}`.execute(patron.ctx.db))
        .rows[0].n,
    );
  const give = (id: number, count: number) =>
    sql`insert into test_stamps (customer_id, count) values (${id}, ${count})`.execute(patron.ctx.db);

  beforeAll(async () => {
    patron = await startTestPatron(
      {},
      {
        composition: compose([...allModules, stamps]),
        // The module's own migration, as its migrations file would hold it.
        before: (db) =>
          sql`create table test_stamps (id bigint generated always as identity primary key, customer_id bigint not null references customers (id), count int not null)`.execute(
            db,
          ),
      },
    );
    owner = await signIn(patron);
    channelId = (
      await patron.ctx.db
        .insertInto('channels')
        .values({ code: 'shop', name: 'Shop', kind: 'marketplace', platform: 'shopify' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(() => patron.close());

  it('shows its panel in the customer 360 and its field in the rule builder, which counts by it', async () => {
    const a = await person('a@stamps.test');
    await give(a, 3);
    const detail = (await api('GET', `/customers/${a}`)).json();
    expect(detail.panels.find((p: { key: string }) => p.key === 'stamps')).toEqual({
      key: 'stamps',
      title: { 'zh-CN': '集章卡', en: 'Stamp card' },
      columns: [{ key: 'count', label: { 'zh-CN': '印章', en: 'Stamps' } }],
      rows: [{ count: 3 }],
    });
    const catalog = (await api('GET', '/segments/catalog')).json();
    expect(catalog.moduleFields).toContainEqual({
      field: 'stamps.total',
      type: 'number',
      options: [],
      label: { 'zh-CN': '印章数', en: 'Stamps' },
    });
    const preview = await api('POST', '/segments/preview', {
      rules: { type: 'group', op: 'and', children: [{ type: 'field', field: 'stamps.total', operator: 'gte', value: 3 }] },
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().count).toBe(1);
    const unknown = await api('POST', '/segments/preview', {
      rules: { type: 'group', op: 'and', children: [{ type: 'field', field: 'stamps.nope', operator: 'gte', value: 3 }] },
    });
    expect(unknown.json().error.code).toBe('SEGMENT_RULE_INVALID');
  });

  it('moves its rows with a merge and back with the undo, and marks the person changed', async () => {
    const survivor = await person('s@stamps.test');
    const merged = await person('m@stamps.test');
    await sql`delete from customer_changes`.execute(patron.ctx.db);
    await give(merged, 5);
    const marked = await sql`select 1 from customer_changes where customer_id = ${merged}`.execute(patron.ctx.db);
    expect(marked.rows).toHaveLength(1);
    const merge = await api('POST', `/customers/${survivor}/merge`, { mergedId: merged, fields: {} });
    expect(merge.json().moved.test_stamps).toBe(1);
    expect([await stampsOf(survivor), await stampsOf(merged)]).toEqual([5, 0]);
    expect((await api('POST', `/customer-merges/${merge.json().mergeId}/undo`)).statusCode).toBe(200);
    expect([await stampsOf(survivor), await stampsOf(merged)]).toEqual([0, 5]);
  });

  it('exports its rows in a DSR archive and deletes them on erasure', async () => {
    const p = await person('e@stamps.test');
    await give(p, 2);
    const res = await api('POST', `/customers/${p}/privacy/export`);
    const dir = mkdtempSync(join(tmpdir(), 'patron-module-'));
    writeFileSync(join(dir, 'x.tar.gz'), res.rawPayload);
    execFileSync('tar', ['-xzf', 'x.tar.gz'], { cwd: dir });
    expect(JSON.parse(readFileSync(join(dir, 'everything.json'), 'utf8')).test_stamps).toMatchObject([{ customer_id: p, count: 2 }]);
    expect(readFileSync(join(dir, 'test_stamps.csv'), 'utf8')).toContain('count');
    expect((await api('POST', `/customers/${p}/privacy/erase`)).statusCode).toBe(200);
    expect(await stampsOf(p)).toBe(0);
  });

  it('keeps a person an undone import created once its rows attach to them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-module-'));
    const file = join(dir, 'people.csv');
    writeFileSync(file, 'email,name\nkept@stamps.test,Kept\ngone@stamps.test,Gone\n');
    const now = () => new Date('2026-12-01T00:00:00Z');
    const s = await runImport(patron.ctx.db, patron.ctx.keyring, {
      kind: 'customers',
      file,
      channel: 'crm',
      timeZone: 'Asia/Shanghai',
      currency: 'CNY',
      now,
    });
    const ids = await patron.ctx.db
      .selectFrom('customer_identities')
      .select(['customer_id', 'key'])
      .where('source', '=', `import:${s.id}`)
      .where('kind', '=', 'email')
      .execute();
    expect(ids).toHaveLength(2);
    const kept = ids[0].customer_id;
    await give(kept, 1);
    const undone = (await api('POST', `/imports/${s.id}/undo`)).json();
    expect(undone).toMatchObject({ customers: 1, keptCustomers: 1 });
    expect(await patron.ctx.db.selectFrom('customers').select('id').where('id', '=', kept).executeTakeFirst()).toBeDefined();
  });

  it('delivers each paid order to its subscriber once, in order per customer, retrying a failure alone', async () => {
    const buyer = await person('buyer@stamps.test');
    const order = (externalId: string, status: 'pending_payment' | 'paid', paidAt: Date | null) =>
      upsertOrder(patron.ctx.db, {
        customerId: buyer,
        channelId,
        externalId,
        status,
        currency: 'CNY',
        totalAmount: 100,
        placedAt: new Date('2026-12-01T00:00:00Z'),
        paidAt,
        items: [{ sku: 'S', name: 's', quantity: 1, unitPrice: 100 }],
        now: new Date(),
      });
    await order('P-1', 'pending_payment', null);
    await order('P-1', 'paid', new Date('2026-12-01T01:00:00Z'));
    await order('P-1', 'paid', new Date('2026-12-01T01:00:00Z'));
    await order('P-2', 'paid', new Date('2026-12-01T02:00:00Z'));
    const events = await patron.ctx.db
      .selectFrom('domain_events')
      .select(['type', 'key'])
      .where('customer_id', '=', buyer)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.paid', 'order.placed', 'order.paid']);
    const subscriptions = stamps.subscriptions ?? [];
    const deliveries = () =>
      patron.ctx.db
        .selectFrom('event_deliveries')
        .select(['subscriber', 'status', 'attempts'])
        .where('customer_id', '=', buyer)
        .orderBy('subscriber')
        .orderBy('event_id')
        .execute();
    while ((await dispatchEvents(patron.ctx, subscriptions)) > 0);
    expect(await stampsOf(buyer)).toBe(2);
    // The audit failed on the first paid order; the second waits behind it (order per customer), and stamps were not re-run.
    expect(await deliveries()).toEqual([
      { subscriber: 'stamps-audit', status: 'pending', attempts: 1 },
      { subscriber: 'stamps-audit', status: 'pending', attempts: 0 },
      { subscriber: 'stamps-on-paid', status: 'delivered', attempts: 1 },
      { subscriber: 'stamps-on-paid', status: 'delivered', attempts: 1 },
    ]);
    await sql`update event_deliveries set next_at = now() where subscriber = 'stamps-audit'`.execute(patron.ctx.db);
    while ((await dispatchEvents(patron.ctx, subscriptions)) > 0)
      await sql`update event_deliveries set next_at = now() where subscriber = 'stamps-audit'`.execute(patron.ctx.db);
    const paid = events.filter((e) => e.type === 'order.paid');
    expect(audited).toHaveLength(2);
    expect(audited).toEqual([...audited].sort((x, y) => x - y));
    expect(paid).toHaveLength(2);
    expect(await stampsOf(buyer)).toBe(2);
    const listed = (await api('GET', `/domain-events?customerId=${buyer}&type=order.paid`)).json();
    expect(listed.total).toBe(2);
    expect(listed.items[0].deliveries.map((d: { status: string }) => d.status)).toEqual(['delivered', 'delivered']);
  });
});
