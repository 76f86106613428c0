import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Session, signIn, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { createUser } from '../auth/index.ts';
import { upsertOrder } from '../commerce/index.ts';
import { retentionJob } from './retention.ts';

describe('privacy operations', () => {
  let patron: Patron;
  let owner: Session;
  let customerId: number;
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, s: Session, payload?: unknown) =>
    patron.http.inject({ method, url: `/api/v1${url}`, headers: as(s), ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    customerId = (
      await api('POST', '/customers', owner, {
        email: 'priv@x.cn',
        phone: '13344445555',
        name: '赵敏',
        birthday: '1992-09-09',
        address: '北京市朝阳区建国路1号',
        externalIds: [{ channel: 'jd', id: 'pin-priv' }],
      })
    ).json().customerId;
    await api('POST', '/customers', owner, { externalIds: [{ channel: 'jd', id: 'pin-priv' }], email: 'zhaomin-at-qq' });
    const channel = await patron.ctx.db
      .insertInto('channels')
      .values({ code: 'jd', name: 'JD', kind: 'marketplace', platform: 'jd' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await upsertOrder(patron.ctx.db, {
      customerId,
      channelId: channel.id,
      externalId: 'JD-1',
      status: 'completed',
      currency: 'CNY',
      totalAmount: 12300,
      placedAt: new Date('2026-03-01T00:00:00Z'),
      items: [{ sku: 'J1', name: 'x', quantity: 1, unitPrice: 12300 }],
      now: new Date(),
    });
  });
  afterAll(() => patron.close());

  it('keeps a consent ledger with evidence; withdrawal is a new entry', async () => {
    await api('POST', `/customers/${customerId}/consents`, owner, {
      channel: 'sms',
      purpose: 'marketing',
      status: 'granted',
      source: 'checkout',
      evidence: '勾选“接收优惠短信”',
    });
    const after = (
      await api('POST', `/customers/${customerId}/consents`, owner, {
        channel: 'sms',
        purpose: 'marketing',
        status: 'withdrawn',
        source: 'sms reply',
        evidence: 'R',
      })
    ).json();
    expect(after.current).toMatchObject([{ channel: 'sms', purpose: 'marketing', status: 'withdrawn', evidence: 'R' }]);
    expect(after.ledger.map((c: { status: string }) => c.status)).toEqual(['withdrawn', 'granted']);
    expect(
      (
        await api('POST', `/customers/${customerId}/consents`, owner, {
          channel: 'fax',
          purpose: 'marketing',
          status: 'granted',
          source: 'x',
        })
      ).statusCode,
    ).toBe(400);
  });

  it('exports everything about a person as JSON and CSV in one archive, only for privacy managers, audited', async () => {
    await createUser(patron.ctx.db, {
      email: 'agent@x.cn',
      name: 'A',
      role: 'service_agent',
      password: 'agent-password-1',
      actor: { type: 'system', id: null, label: 't', ip: null },
      actorRole: null,
    });
    const agent = await signIn(patron, 'agent@x.cn', 'agent-password-1');
    expect((await api('POST', `/customers/${customerId}/privacy/export`, agent)).statusCode).toBe(403);
    const res = await api('POST', `/customers/${customerId}/privacy/export`, owner);
    expect(res.headers['content-type']).toBe('application/gzip');
    const dir = mkdtempSync(join(tmpdir(), 'patron-export-'));
    writeFileSync(join(dir, 'x.tar.gz'), res.rawPayload);
    execFileSync('tar', ['-xzf', 'x.tar.gz'], { cwd: dir });
    const everything = JSON.parse(readFileSync(join(dir, 'everything.json'), 'utf8'));
    expect(everything.profile).toMatchObject({
      name: '赵敏',
      email: 'priv@x.cn',
      phone: '+8613344445555',
      address: '北京市朝阳区建国路1号',
    });
    expect(everything.addresses).toMatchObject([{ line: '北京市朝阳区建国路1号' }]);
    expect(everything.quarantinedValues).toMatchObject([{ field: 'email', value: 'zhaomin-at-qq', reason: 'invalid_email' }]);
    expect(everything.orders).toHaveLength(1);
    expect(readFileSync(join(dir, 'identities.csv'), 'utf8')).toContain('pin-priv');
    expect(readFileSync(join(dir, 'consents.csv'), 'utf8')).toContain('withdrawn');
    const requests = (await api('GET', '/privacy/requests', owner)).json().items;
    expect(requests[0]).toMatchObject({ kind: 'export', status: 'completed', customerId });
  });

  it('applies the retention rule to customers inactive for longer than the configured months', async () => {
    const old = (await api('POST', '/customers', owner, { email: 'old@x.cn', name: '老客户' })).json().customerId;
    await patron.ctx.db
      .updateTable('customers')
      .set({ created_at: new Date('2020-01-01T00:00:00Z') })
      .where('id', '=', old)
      .execute();
    expect((await api('PUT', '/privacy/retention', owner, { inactiveMonths: 3 })).statusCode).toBe(400);
    expect((await api('PUT', '/privacy/retention', owner, { inactiveMonths: 24 })).json()).toEqual({ inactiveMonths: 24 });
    await retentionJob.handler({}, { ...patron.ctx, jobId: 'test' });
    const c = await patron.ctx.db.selectFrom('customers').select(['name', 'erased_at']).where('id', '=', old).executeTakeFirstOrThrow();
    expect(c.name).toBeNull();
    expect(c.erased_at).not.toBeNull();
    const active = await patron.ctx.db.selectFrom('customers').select('erased_at').where('id', '=', customerId).executeTakeFirstOrThrow();
    expect(active.erased_at).toBeNull(); // created today: kept
  });

  it('erases personal data, keeps order statistics, and does not let the same identifiers resurrect the person', async () => {
    const res = (await api('POST', `/customers/${customerId}/privacy/erase`, owner)).json();
    expect(res).toMatchObject({ identities: 3 });
    const c = await patron.ctx.db.selectFrom('customers').selectAll().where('id', '=', customerId).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ name: null, birthday: null, email_enc: null, phone_enc: null, address_enc: null });
    const places = await patron.ctx.db
      .selectFrom('customer_addresses')
      .select(['line_enc', 'city', 'district'])
      .where('customer_id', '=', customerId)
      .execute();
    expect(places).toEqual([{ line_enc: null, city: null, district: null }]);
    expect(await patron.ctx.db.selectFrom('data_quarantine').select('id').where('customer_id', '=', customerId).execute()).toEqual([]);
    const dashboard = (await api('GET', '/dashboard', owner)).json();
    expect(dashboard.revenue).toBe(12300);
    for (const body of [{ email: 'priv@x.cn' }, { phone: '13344445555' }, { externalIds: [{ channel: 'jd', id: 'pin-priv' }] }]) {
      const again = await api('POST', '/customers', owner, body);
      expect([again.statusCode, again.json().error.code]).toEqual([409, 'IDENTITY_ERASED']);
    }
    expect((await api('POST', `/customers/${customerId}/privacy/erase`, owner)).json().error.code).toBe('CUSTOMER_ERASED');
    const audit = (await api('GET', '/audit?action=privacy.', owner)).json().items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['privacy.export', 'privacy.erase']));
  });

  it('answers a stored setting that fails its own schema with 500 and a log line, not a 400 blamed on the caller', async () => {
    await patron.ctx.db
      .insertInto('settings')
      .values({ key: 'privacy.retention', value: JSON.stringify({ inactiveMonths: 'soon' }), updated_by: null })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify({ inactiveMonths: 'soon' }) }))
      .execute();
    const res = await api('GET', '/privacy/retention', owner);
    expect([res.statusCode, res.json().error.code]).toEqual([500, 'INTERNAL_ERROR']);
  });
});
