import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Session, signIn, signInAs, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { processChanges } from '../analytics/index.ts';
import { upsertOrder } from '../commerce/index.ts';
import { insertEvents } from '../events/index.ts';
import { backfillPhoneTails } from '../identity/index.ts';

describe('customers API', () => {
  let patron: Patron;
  let owner: Session;
  let marketer: Session;
  const api = (method: 'GET' | 'POST', url: string, s: Session, payload?: unknown) =>
    patron.http.inject({ method, url: `/api/v1${url}`, headers: as(s), ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    marketer = await signInAs(patron, 'marketer');
  });
  afterAll(() => patron.close());
  const newChannel = (code: string, name: string) =>
    patron.ctx.db.insertInto('channels').values({ code, name, kind: 'web', platform: 'x' }).returning('id').executeTakeFirstOrThrow();

  it('upserts by identifiers idempotently and normalises phones, e-mails and numeric ids', async () => {
    const body = {
      externalIds: [{ channel: 'Shopify', id: '17850.0' }],
      email: ' Li.Na@Example.COM ',
      phone: '138 1234 5678',
      name: '李娜',
      gender: 'female',
      birthday: '1990-03-07',
      province: '上海市',
      city: '上海市',
    };
    const first = (await api('POST', '/customers', owner, body)).json();
    expect(first).toMatchObject({ created: true, rejected: [] });
    const again = (await api('POST', '/customers', owner, body)).json();
    expect(again).toEqual({ customerId: first.customerId, created: false, rejected: [] });
    const byOtherId = (await api('POST', '/customers', owner, { phone: '+86 13812345678' })).json();
    expect(byOtherId.customerId).toBe(first.customerId);
    const detail = (await api('GET', `/customers/${first.customerId}`, owner)).json();
    expect(detail.identities.map((i: { kind: string; channel: string; value: string }) => [i.kind, i.channel, i.value]).sort()).toEqual([
      ['email', '', 'l***@example.com'],
      ['external', 'shopify', '17850'],
      ['phone', '', '+86 138****5678'],
    ]);
    expect(detail.customer).toMatchObject({ name: '李娜', birthday: '1990-03-07', phone: '+86 138****5678' });
    // A new e-mail becomes the profile's; the earlier one stays an identity, shown as itself (the profile's value is
    // decrypted once for both places, the other on its own).
    await api('POST', '/customers', owner, { externalIds: [{ channel: 'Shopify', id: '17850' }], email: 'na.li@example.org' });
    const revealed = (await api('GET', `/customers/${first.customerId}?reveal=true`, owner)).json();
    const emails = revealed.identities.filter((i: { kind: string }) => i.kind === 'email').map((i: { value: string }) => i.value);
    expect([revealed.customer.email, emails.sort()]).toEqual(['na.li@example.org', ['li.na@example.com', 'na.li@example.org']]);
  });

  it('quarantines a phone or e-mail that fails cleansing, counts repeats, and lets a user fix or dismiss it', async () => {
    const body = { externalIds: [{ channel: 'youzan', id: 'yz-q1' }], phone: '12345', email: 'not-an-address', name: '待清洗' };
    const first = (await api('POST', '/customers', owner, body)).json();
    expect(first.rejected.map((r: { field: string }) => r.field).sort()).toEqual(['email', 'phone']);
    await api('POST', '/customers', owner, body);
    const list = (await api('GET', `/customers/quarantine?customerId=${first.customerId}`, marketer)).json();
    expect(list.total).toBe(2);
    const phone = list.items.find((i: { field: string }) => i.field === 'phone');
    expect(phone).toMatchObject({
      customerName: '待清洗',
      reason: 'invalid_phone',
      occurrences: 2,
      resolution: null,
      source: expect.stringMatching(/^api:/),
    });
    expect(phone.value).not.toBe('12345');
    expect(list.open).toEqual(expect.arrayContaining([{ field: 'phone', reason: 'invalid_phone', count: expect.any(Number) }]));
    expect((await api('GET', '/customers/quarantine?reveal=true', marketer)).json().error.code).toBe('PII_REVEAL_FORBIDDEN');
    const revealed = (await api('GET', `/customers/quarantine?customerId=${first.customerId}&reveal=true`, owner)).json();
    expect(revealed.items.map((i: { value: string }) => i.value).sort()).toEqual(['12345', 'not-an-address']);

    const stillBad = await api('POST', `/customers/quarantine/${phone.id}/resolve`, owner, { action: 'fix', value: '999' });
    expect([stillBad.statusCode, stillBad.json().error.code]).toEqual([400, 'QUARANTINE_FIX_INVALID']);
    expect(
      (await api('POST', `/customers/quarantine/${phone.id}/resolve`, owner, { action: 'fix', value: '139 0000 1234' })).json(),
    ).toEqual({ id: phone.id, resolution: 'fixed' });
    const detail = (await api('GET', `/customers/${first.customerId}`, owner)).json();
    expect(detail.customer.phone).toBe('+86 139****1234');
    expect((await api('POST', '/customers', owner, { phone: '13900001234' })).json().customerId).toBe(first.customerId);
    const again = await api('POST', `/customers/quarantine/${phone.id}/resolve`, owner, { action: 'dismiss' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'QUARANTINE_ALREADY_RESOLVED']);
    const email = list.items.find((i: { field: string }) => i.field === 'email');
    await api('POST', `/customers/quarantine/${email.id}/resolve`, owner, { action: 'dismiss' });
    expect((await api('GET', `/customers/quarantine?customerId=${first.customerId}`, owner)).json().total).toBe(0);
    expect(
      (await api('GET', `/customers/quarantine?customerId=${first.customerId}&status=resolved`, owner))
        .json()
        .items.map((i: { resolution: string }) => i.resolution)
        .sort(),
    ).toEqual(['dismissed', 'fixed']);
  });

  it('saves list views per user, shares them with the team, and only their owner deletes them', async () => {
    const view = { name: '上海会员', params: { province: '上海市', tag: 'vip', sort: 'name', order: 'asc' }, shared: true };
    const created = await api('POST', '/customer-views', owner, view);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: '上海会员',
      params: { province: '上海市', tag: 'vip', sort: 'name', order: 'asc' },
      shared: true,
      mine: true,
    });
    expect((await api('POST', '/customer-views', owner, view)).json().error.code).toBe('SAVED_VIEW_NAME_TAKEN');
    await api('POST', '/customer-views', owner, { name: 'private', params: { q: '李' } });
    expect((await api('POST', '/customer-views', marketer, { name: 'mine', params: { channel: 'tmall' } })).statusCode).toBe(201);
    const seen = (await api('GET', '/customer-views', marketer)).json().items.map((v: { name: string; mine: boolean }) => [v.name, v.mine]);
    expect(seen).toEqual([
      ['mine', true],
      ['上海会员', false],
    ]);
    const bad = await api('POST', '/customer-views', marketer, { name: 'x', params: { sort: 'phone' } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const del = await patron.http.inject({ method: 'DELETE', url: `/api/v1/customer-views/${created.json().id}`, headers: as(marketer) });
    expect([del.statusCode, del.json().error.code]).toEqual([403, 'SAVED_VIEW_NOT_OWNER']);
    expect(
      (await patron.http.inject({ method: 'DELETE', url: `/api/v1/customer-views/${created.json().id}`, headers: as(owner) })).json(),
    ).toEqual({ ok: true });
  });

  it('follows the identity rules: a shared phone does not join a new platform id to its holder when phones do not link', async () => {
    const put = (s: Session, payload: object) =>
      patron.http.inject({ method: 'PUT', url: '/api/v1/settings/identity', headers: as(s), payload });
    expect((await api('GET', '/settings/identity', marketer)).json()).toEqual({ linkByPhone: true, linkByEmail: true });
    expect((await put(marketer, { linkByPhone: false, linkByEmail: true })).statusCode).toBe(403);
    expect((await put(owner, { linkByPhone: false })).statusCode).toBe(400);
    const mother = (
      await api('POST', '/customers', owner, { externalIds: [{ channel: 'jd', id: 'pin-mom' }], phone: '13700002222', name: '妈妈' })
    ).json();
    // Phones link by default: the same phone with a Tmall id is the mother's Tmall account.
    const linked = (
      await api('POST', '/customers', owner, { externalIds: [{ channel: 'tmall', id: 'ouid-mom' }], phone: '13700002222' })
    ).json();
    expect(linked.customerId).toBe(mother.customerId);
    expect((await put(owner, { linkByPhone: false, linkByEmail: true })).json()).toEqual({ linkByPhone: false, linkByEmail: true });
    const child = (
      await api('POST', '/customers', owner, { externalIds: [{ channel: 'douyin', id: 'dy-kid' }], phone: '13700002222', name: '孩子' })
    ).json();
    expect(child).toMatchObject({ created: true });
    expect(child.customerId).not.toBe(mother.customerId);
    expect(
      (await api('POST', '/customers', owner, { externalIds: [{ channel: 'douyin', id: 'dy-kid' }], phone: '13700002222' })).json()
        .customerId,
    ).toBe(child.customerId);
    expect((await api('POST', '/customers', owner, { phone: '13700002222' })).json().customerId).toBe(mother.customerId);
    const suggestions = (await api('GET', `/customers/${child.customerId}/duplicates`, owner)).json();
    expect(suggestions.items.map((d: { id: number }) => d.id)).toContain(mother.customerId);
    await put(owner, { linkByPhone: true, linkByEmail: true });
  });

  it('never merges two people holding different external ids of the same channel', async () => {
    const a = (
      await api('POST', '/customers', owner, { externalIds: [{ channel: 'tmall', id: 'ouid-A' }], email: 'shared@family.cn' })
    ).json();
    const b = (
      await api('POST', '/customers', owner, { externalIds: [{ channel: 'tmall', id: 'ouid-B' }], email: 'shared@family.cn' })
    ).json();
    expect(b.customerId).not.toBe(a.customerId);
    expect(b.created).toBe(true);
  });

  it('rejects invalid identifiers with reasons, and a body without any valid identifier with 400', async () => {
    const partial = (
      await api('POST', '/customers', owner, { externalIds: [{ channel: 'jd', id: 'pin-1' }], email: 'not-an-email' })
    ).json();
    expect(partial.rejected).toEqual([{ field: 'email', reason: 'not a valid e-mail address' }]);
    const none = await api('POST', '/customers', owner, { phone: '12' });
    expect([none.statusCode, none.json().error.code]).toEqual([400, 'CUSTOMER_IDENTIFIER_REQUIRED']);
    const wrong = await api('POST', '/customers', owner, { email: 'a@b.cn', birthday: '07/03/1990' });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('bulk-upserts with a result per item', async () => {
    const res = (
      await api('POST', '/customers/bulk', owner, {
        items: [{ email: 'bulk1@x.cn' }, { phone: 'bad' }, { email: 'bulk1@x.cn', name: '王芳' }],
      })
    ).json();
    expect(res.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, true]);
    expect(res.results[2].customerId).toBe(res.results[0].customerId);
    expect(res.results[1].error.code).toBe('CUSTOMER_IDENTIFIER_REQUIRED');
  });

  it('finds people by exact phone, e-mail and external id through blind indexes, and by Chinese name', async () => {
    const id = (
      await api('POST', '/customers', owner, {
        phone: '13987654321',
        email: 'find@me.cn',
        externalIds: [{ channel: 'douyin', id: 'dy-42' }],
        name: '欧阳娜娜',
      })
    ).json().customerId;
    for (const q of ['13987654321', '+86 139 8765 4321', 'FIND@me.cn', 'dy-42', '欧阳']) {
      const list = (await api('GET', `/customers?q=${encodeURIComponent(q)}`, owner)).json();
      expect(
        list.items.map((c: { id: number }) => c.id),
        q,
      ).toContain(id);
    }
    expect((await api('GET', '/customers?q=139876', owner)).json().total).toBe(0);
    // The last four digits find the phone's holder (a blind index of its own); the list stays masked.
    const tail = (await api('GET', '/customers?q=4321', owner)).json();
    expect(tail.items.map((c: { id: number }) => c.id)).toContain(id);
    expect(tail.items.find((c: { id: number }) => c.id === id).phone).toBe('+86 139****4321');
    // Phones stored before the index existed are filled by the background job.
    await patron.ctx.db.updateTable('customer_identities').set({ tail_bidx: null }).where('customer_id', '=', id).execute();
    expect((await api('GET', '/customers?q=4321', owner)).json().items.map((c: { id: number }) => c.id)).not.toContain(id);
    expect(await backfillPhoneTails(patron.ctx.db, patron.ctx.keyring)).toBeGreaterThan(0);
    expect((await api('GET', '/customers?q=4321', owner)).json().items.map((c: { id: number }) => c.id)).toContain(id);
  });

  it('lists customers with their orders, net spend, last order, lifecycle stage and RFM group, sortable by value', async () => {
    const db = patron.ctx.db;
    const channel = await newChannel('sorted', '排序店');
    const big = (await api('POST', '/customers', owner, { externalIds: [{ channel: 'sorted', id: 'big' }], name: '大客户' })).json()
      .customerId;
    const small = (await api('POST', '/customers', owner, { externalIds: [{ channel: 'sorted', id: 'small' }], name: '小客户' })).json()
      .customerId;
    for (const [id, amount, n] of [
      [big, 900_000, 3],
      [small, 1_000, 1],
    ] as const) {
      for (let i = 0; i < n; i++)
        await upsertOrder(db, {
          customerId: id,
          channelId: channel.id,
          externalId: `s-${id}-${i}`,
          status: 'paid',
          currency: 'CNY',
          totalAmount: amount,
          placedAt: new Date(Date.now() - (i + 1) * 86_400_000),
          now: new Date(),
        });
    }
    await processChanges(db, { now: new Date(), timeZone: 'Asia/Shanghai' });
    const list = (await api('GET', '/customers?sort=net_spent&order=desc&limit=5', owner)).json();
    expect(list.items[0]).toMatchObject({
      id: big,
      ordersCount: 3,
      netSpent: 2_700_000,
      lifecycleStage: 'active',
      lastOrderAt: expect.any(String),
    });
    const fewest = (await api('GET', '/customers?sort=orders_count&order=asc&limit=200', owner))
      .json()
      .items.filter((c: { ordersCount: number | null }) => c.ordersCount !== null);
    expect(fewest.findIndex((c: { id: number }) => c.id === small)).toBeLessThan(fewest.findIndex((c: { id: number }) => c.id === big));
  });

  it('filters the list by a province and a channel as a seller types them', async () => {
    const id = (await api('POST', '/customers', owner, { externalIds: [{ channel: 'tmall', id: 'sh-1' }], province: '上海市' })).json()
      .customerId;
    const channel = await patron.ctx.db
      .insertInto('channels')
      .values({ code: 'tmall_flagship', name: '天猫旗舰店', kind: 'marketplace', platform: 'taobao' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await patron.ctx.db.updateTable('customers').set({ first_channel_id: channel.id }).where('id', '=', id).execute();
    for (const province of ['上海', '沪', 'Shanghai', '上海市']) {
      expect(
        (await api('GET', `/customers?province=${encodeURIComponent(province)}`, owner)).json().items.map((c: { id: number }) => c.id),
        province,
      ).toContain(id);
    }
    expect(
      (await api('GET', `/customers?channel=${encodeURIComponent('天猫旗舰店')}`, owner)).json().items.map((c: { id: number }) => c.id),
    ).toContain(id);
  });

  it('masks personal data for everyone by default; reveal needs pii.read and is audited', async () => {
    const id = (await api('POST', '/customers', owner, { phone: '13700001111', address: '上海市浦东新区张江路123号' })).json().customerId;
    const masked = (await api('GET', `/customers/${id}`, marketer)).json();
    expect(masked.customer).toMatchObject({ phone: '+86 137****1111', address: '上海市浦东新区****' });
    const denied = await api('GET', `/customers/${id}?reveal=true`, marketer);
    expect([denied.statusCode, denied.json().error.code]).toEqual([403, 'PII_REVEAL_FORBIDDEN']);
    const revealed = (await api('GET', `/customers/${id}?reveal=true`, owner)).json();
    expect(revealed.customer).toMatchObject({ phone: '+8613700001111', address: '上海市浦东新区张江路123号' });
    const audit = (await api('GET', '/audit?action=customer.reveal_pii', owner)).json();
    expect(audit.items[0]).toMatchObject({ targetType: 'customer', targetId: String(id) });
    const list = (await api('GET', '/customers?q=13700001111', owner)).json();
    expect(list.items[0].phone).toBe('+86 137****1111');
  });

  it('reports data quality overall and per channel', async () => {
    const rows = (await api('GET', '/customers/quality', owner)).json().rows;
    const total = (await api('GET', '/customers?limit=1', owner)).json().total;
    expect(rows[0]).toMatchObject({ channel: null, total });
    expect(rows[0].complete.phone).toBeGreaterThan(0);
    expect(rows[0].complete.phone).toBeLessThanOrEqual(1);
    expect(rows[0].valid.province).toBe(1); // 上海市 and friends were canonicalised on the way in
  });

  it('pages a long event timeline by cursor', async () => {
    const id = (await api('POST', '/customers', owner, { email: 'busy@x.cn' })).json().customerId;
    const base = Date.UTC(2026, 0, 1);
    await insertEvents(
      patron.ctx.db,
      Array.from({ length: 120 }, (_, i) => ({
        customerId: id,
        anonymousId: null,
        type: 'track' as const,
        name: 'Product Viewed',
        properties: { i },
        occurredAt: new Date(base + Math.floor(i / 2) * 1000),
        receivedAt: new Date(),
        messageId: `t-${id}-${i}`,
      })),
    );
    // The 360 does not hold the timeline: the page reads its first screenful beside the view.
    expect((await api('GET', `/customers/${id}`, owner)).json()).not.toHaveProperty('events');
    const first = (await api('GET', `/customers/${id}/events?limit=20`, owner)).json();
    expect([first.items.map((e: { properties: { i: number } }) => e.properties.i).slice(0, 2), first.nextBefore]).toEqual([
      [119, 118],
      expect.any(String),
    ]);
    const seen: number[] = [];
    let before: string | null = null;
    do {
      const page: { items: { properties: { i: number } }[]; nextBefore: string | null } = (
        await api('GET', `/customers/${id}/events?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`, owner)
      ).json();
      seen.push(...page.items.map((e: { properties: { i: number } }) => e.properties.i));
      before = page.nextBefore;
    } while (before);
    expect(seen.length).toBe(120);
    expect(new Set(seen).size).toBe(120);
    const bad = await api('GET', `/customers/${id}/events?before=nonsense`, owner);
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_CURSOR']);
    expect((await api('GET', '/customers/999999', owner)).json().error.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('pages a customer’s orders by cursor beside the 360, orders placed at the same instant included', async () => {
    const db = patron.ctx.db;
    const channel = await newChannel('paged', '分页店');
    const id = (await api('POST', '/customers', owner, { externalIds: [{ channel: 'paged', id: 'loyal' }] })).json().customerId;
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 25; i++)
      await upsertOrder(db, {
        customerId: id,
        channelId: channel.id,
        externalId: `p-${i}`,
        status: 'paid',
        currency: 'CNY',
        totalAmount: 100 + i,
        // Two orders a second: the cursor must tell apart orders placed at the same instant.
        placedAt: new Date(base + Math.floor(i / 2) * 1000),
        items: [{ sku: `sku-${i}`, name: `商品 ${i}`, quantity: 1, unitPrice: 100 + i }],
        now: new Date(),
      });
    // The 360 holds the totals; the orders themselves are read beside it, the first page (10) as the admin's card does.
    const detail = (await api('GET', `/customers/${id}`, owner)).json();
    expect(detail).not.toHaveProperty('orders');
    expect(detail.stats).toMatchObject({ orders: 25, netSpent: 25 * 100 + (24 * 25) / 2 });
    const first = (await api('GET', `/customers/${id}/orders`, owner)).json();
    expect(first.items).toHaveLength(10);
    expect(first.items[0]).toMatchObject({ externalId: 'p-24', items: [{ sku: 'sku-24', unitPrice: 124, quantity: 1 }] });
    const seen: string[] = first.items.map((o: { externalId: string }) => o.externalId);
    let before: string | null = first.nextBefore;
    let pages = 0;
    while (before) {
      const page: { items: { externalId: string }[]; nextBefore: string | null } = (
        await api('GET', `/customers/${id}/orders?limit=7&before=${encodeURIComponent(before)}`, owner)
      ).json();
      seen.push(...page.items.map((o) => o.externalId));
      before = page.nextBefore;
      pages++;
    }
    expect(pages).toBe(3); // 15 after the first ten: 7, 7, 1
    // Newest first; of two placed at the same instant, the later recorded first.
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `p-${24 - i}`));
    const bad = await api('GET', `/customers/${id}/orders?before=nonsense`, owner);
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_CURSOR']);
  });

  it('answers people viewed at once each with their own 360 and panels, read together', async () => {
    const ids: number[] = [];
    const channel = await newChannel('at-once', '同时店');
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const customerId = (await api('POST', '/customers', owner, { name: `同时 ${n}`, email: `at-once-${n}@example.com` })).json()
        .customerId;
      ids.push(customerId);
      const order = {
        customerId,
        channelId: channel.id,
        externalId: `at-once-${n}`,
        status: 'paid' as const,
        currency: 'CNY',
        totalAmount: n,
      };
      await upsertOrder(patron.ctx.db, { ...order, placedAt: new Date(), items: [], now: new Date() });
    }
    const asked = [...ids, 987654320, ...[...ids].reverse()];
    const [views, panels, orders] = await Promise.all([
      Promise.all(asked.map((id) => api('GET', `/customers/${id}`, owner))),
      Promise.all(asked.map((id) => api('GET', `/customers/${id}/panels`, owner))),
      Promise.all(asked.map((id) => api('GET', `/customers/${id}/orders`, owner))),
    ]);
    expect(views.map((v) => (v.statusCode === 200 ? v.json().customer.name : v.json().error.code))).toEqual(
      asked.map((id) => (ids.includes(id) ? `同时 ${ids.indexOf(id) + 1}` : 'CUSTOMER_NOT_FOUND')),
    );
    expect(views.filter((v) => v.statusCode === 200).map((v) => v.json().customer.id)).toEqual(asked.filter((id) => ids.includes(id)));
    expect(panels.map((p) => p.statusCode)).toEqual(asked.map((id) => (ids.includes(id) ? 200 : 404)));
    expect(
      orders.map((p) => (p.statusCode === 200 ? p.json().items.map((o: { externalId: string }) => o.externalId) : p.statusCode)),
    ).toEqual(asked.map((id) => (ids.includes(id) ? [`at-once-${ids.indexOf(id) + 1}`] : 404)));
  });

  it('answers a history page or the panels of someone who does not exist with 404, and of someone merged with where they went', async () => {
    const quiet = (await api('POST', '/customers', owner, { name: '无订单', email: 'quiet@example.com' })).json().customerId;
    const other = (await api('POST', '/customers', owner, { name: '重复', email: 'twin@example.com' })).json().customerId;
    for (const history of ['orders', 'events']) {
      const empty = await api('GET', `/customers/${quiet}/${history}`, owner);
      expect([empty.statusCode, empty.json().items]).toEqual([200, []]);
    }
    // Every panel the modules declare, in their order, for someone with no records in any of them.
    const panels = await api('GET', `/customers/${quiet}/panels`, owner);
    const declared = (await api('GET', '/customers/panels', owner)).json().items.map((p: { key: string }) => p.key);
    expect([panels.statusCode, panels.json().items.map((p: { key: string }) => p.key)]).toEqual([200, declared]);
    expect(declared.length).toBeGreaterThan(5);
    // Some of them, in the modules' order whatever the order asked; a key no module declares is refused.
    const some = await api('GET', `/customers/${quiet}/panels?keys=${declared[3]},${declared[1]}`, owner);
    expect(some.json().items.map((p: { key: string }) => p.key)).toEqual([declared[1], declared[3]]);
    const unknown = await api('GET', `/customers/${quiet}/panels?keys=${declared[0]},nonesuch`, owner);
    expect([unknown.statusCode, unknown.json().error.code, unknown.json().error.details]).toEqual([
      400,
      'PANEL_UNKNOWN',
      { key: 'nonesuch' },
    ]);
    expect((await api('GET', `/customers/${quiet}/panels?keys=`, owner)).json().error.code).toBe('VALIDATION_FAILED');
    for (const history of ['orders', 'events', 'panels']) {
      const missing = await api('GET', `/customers/987654321/${history}`, owner);
      expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
    }
    expect((await api('POST', `/customers/${quiet}/merge`, owner, { mergedId: other })).statusCode).toBe(200);
    for (const history of ['orders', 'events', 'panels']) {
      const merged = await api('GET', `/customers/${other}/${history}`, owner);
      expect([merged.statusCode, merged.json().error.code, merged.json().error.details]).toEqual([
        404,
        'CUSTOMER_MERGED',
        { mergedInto: quiet },
      ]);
    }
  });
});
