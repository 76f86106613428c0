import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Session, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { insertEvents } from '../events/index.ts';
import { upsertOrder } from '../commerce/index.ts';

describe('merge and undo', () => {
  let patron: Patron;
  let owner: Session;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    patron.http.inject({
      method,
      url: `/api/v1${url}`,
      headers: as(owner),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function snapshot(ids: number[]) {
    const db = patron.ctx.db;
    const people = await sql<{
      r: Record<string, unknown>;
    }>`select to_jsonb(c) - 'updated_at' as r from customers c where id = any(${ids}::bigint[]) order by id`.execute(db);
    const related: Record<string, unknown[]> = {};
    for (const table of ['orders', 'order_items', 'events', 'customer_identities', 'customer_addresses']) {
      related[table] = (
        await sql<{
          id: number;
          customer_id: number;
        }>`select id, customer_id from ${sql.table(table)} where customer_id = any(${ids}::bigint[]) order by id`.execute(db)
      ).rows;
    }
    return { people: people.rows.map((p) => p.r), related };
  }

  async function person(body: Record<string, unknown>, orderId: string) {
    const id = (await api('POST', '/customers', body)).json().customerId as number;
    const channel = await patron.ctx.db
      .insertInto('channels')
      .values({ code: `c-${orderId}`, name: 'x', kind: 'web', platform: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await upsertOrder(patron.ctx.db, {
      customerId: id,
      channelId: channel.id,
      externalId: orderId,
      status: 'paid',
      currency: 'CNY',
      totalAmount: 1000,
      placedAt: new Date('2026-01-01T00:00:00Z'),
      items: [{ sku: `S-${orderId}`, name: 'x', quantity: 1, unitPrice: 1000 }],
      now: new Date(),
    });
    await insertEvents(patron.ctx.db, [
      {
        customerId: id,
        anonymousId: null,
        type: 'track',
        name: 'Product Viewed',
        properties: {},
        occurredAt: new Date(),
        receivedAt: new Date(),
        messageId: `m-${orderId}`,
      },
    ]);
    return id;
  }

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
  });
  afterAll(() => patron.close());

  it('suggests likely duplicates, merges field by field moving every record, and undoes exactly', async () => {
    const a = await person(
      { externalIds: [{ channel: 'tmall', id: 't-1' }], name: '王小明', city: '杭州市', birthday: '1990-02-03', address: '文三路 1 号' },
      'o-a',
    );
    const b = await person({ phone: '13512345678', name: '王小明', city: '杭州市', gender: 'male', address: '文三路  1 号' }, 'o-b');
    await api('POST', '/customers', { phone: '13512345678', city: '杭州', address: '莫干山路 2 号' });
    const dupes = (await api('GET', `/customers/${a}/duplicates`)).json().items;
    expect(dupes[0]).toMatchObject({ id: b });
    const before = await snapshot([a, b]);

    const merged = await api('POST', `/customers/${a}/merge`, { mergedId: b, fields: { gender: 'merged', contact: 'merged' } });
    expect(merged.statusCode).toBe(200);
    // The address both had stays on the merged profile; the other one moves.
    expect(merged.json().moved).toMatchObject({ orders: 1, order_items: 1, events: 1, customer_identities: 1, customer_addresses: 1 });
    const detail = (await api('GET', `/customers/${a}`)).json();
    expect(detail.customer).toMatchObject({ gender: 'male', birthday: '1990-02-03', phone: '+86 135****5678' });
    const orders = (await api('GET', `/customers/${a}/orders`)).json();
    expect(orders.items.map((o: { externalId: string }) => o.externalId).sort()).toEqual(['o-a', 'o-b']);
    expect(detail.identities.length).toBe(2);
    expect(detail.addresses.map((x: { line: string }) => x.line)).toHaveLength(2);
    const gone = await api('GET', `/customers/${b}`);
    expect([gone.statusCode, gone.json().error.code, gone.json().error.details]).toEqual([404, 'CUSTOMER_MERGED', { mergedInto: a }]);
    expect((await api('GET', '/customers?q=13512345678')).json().items.map((c: { id: number }) => c.id)).toEqual([a]);
    expect((await api('POST', '/customers', { phone: '13512345678' })).json().customerId).toBe(a);

    const history = (await api('GET', `/customers/${a}/merges`)).json().items;
    expect(history).toMatchObject([{ survivorId: a, mergedId: b, undoneAt: null }]);
    const undo = await api('POST', `/customer-merges/${history[0].id}/undo`);
    expect(undo.statusCode).toBe(200);
    expect(await snapshot([a, b])).toEqual(before);
    expect((await api('POST', `/customer-merges/${history[0].id}/undo`)).json().error.code).toBe('MERGE_NOT_UNDOABLE');
    const actions = (await api('GET', '/audit?action=customer.merge')).json().items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['customer.merge', 'customer.merge_undo']));
  });

  it('refuses to merge a customer into itself or twice', async () => {
    const a = (await api('POST', '/customers', { email: 'self@x.cn' })).json().customerId;
    const b = (await api('POST', '/customers', { email: 'other@x.cn' })).json().customerId;
    expect((await api('POST', `/customers/${a}/merge`, { mergedId: a })).json().error.code).toBe('MERGE_SAME_CUSTOMER');
    expect((await api('POST', `/customers/${a}/merge`, { mergedId: b })).statusCode).toBe(200);
    expect((await api('POST', `/customers/${a}/merge`, { mergedId: b })).json().error.code).toBe('CUSTOMER_ALREADY_MERGED');
    expect((await api('POST', `/customers/${a}/merge`, { mergedId: 99999 })).json().error.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await api('POST', `/customers/${a}/merge`, { mergedId: b, fields: { password: 'merged' } })).statusCode).toBe(400);
  });

  it('scans every customer for likely duplicate pairs into a review queue: dismissed stay dismissed, merges resolve them', async () => {
    const make = async (body: Record<string, unknown>) => (await api('POST', '/customers', body)).json().customerId as number;
    const twinA = await make({ phone: '13900010001', name: '林晓峰', birthday: '1988-08-08', city: '厦门市' });
    const twinB = await make({ email: 'lxf@example.cn', name: '林晓峰', birthday: '1988-08-08', city: '厦门市' });
    const roomA = await make({ phone: '13900010002', name: '郑大山', city: '福州市', address: '五一路 8 号 301' });
    const roomB = await make({ phone: '13900010003', name: '郑大山', city: '福州', address: '五一路 8 号 301' });
    const family = await make({ phone: '13900010004', name: '郑小雨', city: '福州市', address: '五一路 8 号 301' });
    const scan = await patron.http.inject({ method: 'POST', url: '/api/v1/customers/duplicate-pairs/scan', headers: as(owner) });
    expect(scan.statusCode).toBe(202);
    // The scan it queued runs on the test server's worker: wait for it, or it starts again in the middle of the steps below.
    await expect
      .poll(async () => (await api('GET', '/customers/duplicate-pairs')).json().lastScan?.finishedAt ?? null, {
        timeout: 30_000,
        interval: 100,
      })
      .not.toBeNull();
    const { scanDuplicates } = await import('./duplicates.service.ts');
    await scanDuplicates(patron.ctx.db, new Date());
    const mine = new Set([twinA, twinB, roomA, roomB, family]);
    const open = async () =>
      (await api('GET', '/customers/duplicate-pairs?limit=200')).json().items.filter((p: { a: { id: number } }) => mine.has(p.a.id)) as {
        id: number;
        a: { id: number };
        b: { id: number };
        reasons: string[];
        score: number;
      }[];
    const pairs = await open();
    expect(pairs.map((p) => [p.a.id, p.b.id]).sort()).toEqual(
      [
        [twinA, twinB],
        [roomA, roomB],
      ].sort(),
    );
    expect(pairs.find((p) => p.a.id === twinA)).toMatchObject({ reasons: ['name', 'city', 'birthday'], score: 0.9 });
    expect(pairs.find((p) => p.a.id === roomA)?.reasons).toEqual(['name', 'city', 'address']);
    // The 360 page scores as the scan does, from the same threshold: the family member at the address (0.7) is not suggested.
    const onPage = (await api('GET', `/customers/${roomA}/duplicates`)).json().items;
    expect(onPage.map((d: { id: number }) => d.id)).toEqual([roomB]);
    expect(onPage[0]).toMatchObject({ score: pairs.find((p) => p.a.id === roomA)?.score, reasons: ['name', 'city', 'address'] });
    // The queue says when the scan it asked for has finished, and what it found.
    const { duplicatesScanJob } = await import('./duplicates.service.ts');
    await duplicatesScanJob.handler({}, { ...patron.ctx, jobId: 'test' });
    expect((await api('GET', '/customers/duplicate-pairs')).json().lastScan).toMatchObject({
      finishedAt: expect.any(String),
      found: expect.any(Number),
    });

    const twins = pairs.find((p) => p.a.id === twinA)!;
    expect((await api('POST', `/customers/duplicate-pairs/${twins.id}/dismiss`)).json()).toEqual({ ok: true });
    expect((await api('POST', `/customers/duplicate-pairs/${twins.id}/dismiss`)).json().error.code).toBe('DUPLICATE_PAIR_RESOLVED');
    await scanDuplicates(patron.ctx.db, new Date());
    expect((await open()).map((p) => p.a.id)).toEqual([roomA]);

    await api('POST', `/customers/${roomA}/merge`, { mergedId: roomB });
    expect(await open()).toEqual([]);
    const merged = (await api('GET', '/customers/duplicate-pairs?status=merged')).json().items;
    expect(merged.map((p: { a: { id: number } }) => p.a.id)).toContain(roomA);
    const history = (await api('GET', `/customers/${roomA}/merges`)).json().items;
    await api('POST', `/customer-merges/${history[0].id}/undo`);
    expect((await open()).map((p) => p.a.id)).toEqual([roomA]);
  });
});
