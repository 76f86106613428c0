import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Session, signIn, signInAs, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { insertCustomers } from '../identity/index.ts';

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('tags, notes, bulk operations and exports', () => {
  let patron: Patron;
  let owner: Session;
  let marketer: Session;
  const api = (s: Session, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    patron.http.inject({ method, url: `/api/v1${url}`, headers: as(s), ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    marketer = await signInAs(patron, 'marketer');
    const items = Array.from({ length: 30 }, (_, i) => ({
      phone: `1370000${String(i).padStart(4, '0')}`,
      name: `客户${i}`,
      province: i % 2 ? '上海' : '广东',
    }));
    await api(owner, 'POST', '/customers/bulk', { items });
  });
  afterAll(() => patron.close());

  it('tags and notes one customer, shown on the 360 page', async () => {
    const id = (await api(owner, 'GET', '/customers?q=13700000001')).json().items[0].id;
    expect((await api(marketer, 'POST', `/customers/${id}/tags`, { tag: 'VIP' })).json().tags).toEqual(['VIP']);
    await api(marketer, 'POST', `/customers/${id}/notes`, { body: '喜欢无香型产品' });
    const detail = (await api(marketer, 'GET', `/customers/${id}`)).json();
    expect(detail.tags).toEqual(['VIP']);
    expect(detail.notes[0]).toMatchObject({ body: '喜欢无香型产品', author: 'marketer@x.test' });
    expect((await api(marketer, 'POST', `/customers/${id}/tags/remove`, { tag: 'VIP' })).json().tags).toEqual([]);
  });

  it('tags the whole filtered set in a background job with progress, and filters by tag', async () => {
    const op = (await api(marketer, 'POST', '/customers/bulk-tag', { filter: { province: '上海市' }, tag: 'sh', action: 'add' })).json();
    expect(op.status).toBe('queued');
    const done = await until(
      () => api(marketer, 'GET', `/customer-operations/${op.id}`).then((r) => r.json()),
      (o) => o.status === 'completed',
    );
    expect(done).toMatchObject({ status: 'completed', total: 15, done: 15 });
    expect((await api(marketer, 'GET', '/customers?tag=sh')).json().total).toBe(15);
  });

  it('exports masked for marketers; unmasked only with pii.read; every export and download audited', async () => {
    expect((await api(marketer, 'POST', '/customers/export', { filter: { tag: 'sh' }, reveal: true })).json().error.code).toBe(
      'PII_REVEAL_FORBIDDEN',
    );
    const op = (await api(marketer, 'POST', '/customers/export', { filter: { tag: 'sh' } })).json();
    await until(
      () => api(marketer, 'GET', `/customer-operations/${op.id}`).then((r) => r.json()),
      (o) => o.status === 'completed',
    );
    const file = await api(marketer, 'GET', `/customer-operations/${op.id}/download`);
    const csv = file.body;
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.split('\n').filter(Boolean)).toHaveLength(16);
    expect(csv).toContain('+86 137****0001');
    expect(csv).not.toMatch(/\+86137\d{8}/);
    const full = (await api(owner, 'POST', '/customers/export', { filter: { tag: 'sh' }, reveal: true })).json();
    await until(
      () => api(owner, 'GET', `/customer-operations/${full.id}`).then((r) => r.json()),
      (o) => o.status === 'completed',
    );
    const unmasked = (await api(owner, 'GET', `/customer-operations/${full.id}/download`)).body;
    expect(unmasked).toContain('+8613700000001');
    const audit = (await api(owner, 'GET', '/audit?action=customers.export'))
      .json()
      .items.map((e: { action: string; details: { revealed?: boolean } }) => e.action);
    expect(audit.filter((a: string) => a === 'customers.export')).toHaveLength(2);
    expect(audit.filter((a: string) => a === 'customers.export_download')).toHaveLength(2);
  });

  it('writes a large export part by part into one gzip file with one header', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const blank = {
      name: null,
      gender: 'unknown' as const,
      birthday: null,
      province: '浙江省',
      city: null,
      district: null,
      firstChannelId: null,
      email: null,
      address: null,
      createdAt: now,
    };
    await insertCustomers(
      patron.ctx.db,
      patron.ctx.keyring,
      Array.from({ length: 2_100 }, (_, i) => ({ ...blank, phone: `+86139${String(i).padStart(8, '0')}` })),
    );
    const op = (await api(owner, 'POST', '/customers/export', { filter: { province: '浙江省' } })).json();
    await until(
      () => api(owner, 'GET', `/customer-operations/${op.id}`).then((r) => r.json()),
      (o) => o.status === 'completed',
    );
    const parts = await patron.ctx.db.selectFrom('customer_operation_parts').select('seq').where('operation_id', '=', op.id).execute();
    expect(parts).toHaveLength(3);
    const lines = (await api(owner, 'GET', `/customer-operations/${op.id}/download`)).body.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2_101);
    expect(lines.filter((l) => l.includes('首次来源渠道'))).toHaveLength(1);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(2_100);
  });

  it('exports a file a spreadsheet opens safely: headers in the language asked for, formula cells as text', async () => {
    const id = (
      await api(owner, 'POST', '/customers', {
        externalIds: [{ channel: 'web', id: 'formula-1' }],
        name: '=HYPERLINK("http://evil.example","点我")',
      })
    ).json().customerId;
    await api(owner, 'POST', `/customers/${id}/tags`, { tag: 'formula' });
    const op = (await api(owner, 'POST', '/customers/export', { filter: { tag: 'formula' }, language: 'en' })).json();
    await until(
      () => api(owner, 'GET', `/customer-operations/${op.id}`).then((r) => r.json()),
      (o) => o.status === 'completed',
    );
    const rows = parse((await api(owner, 'GET', `/customer-operations/${op.id}/download`)).body, { bom: true }) as string[][];
    expect(rows[0].slice(0, 3)).toEqual(['Customer ID', 'Name', 'Gender']);
    expect(rows[1][1]).toBe(`'=HYPERLINK("http://evil.example","点我")`);
  });
});
