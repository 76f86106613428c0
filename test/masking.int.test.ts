import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, roleHas } from '../contracts/permissions.ts';
import type { Patron } from '../server/app.ts';
import { createApiKey } from '../server/modules/auth/index.ts';
import { as, type Session, signIn, startTestPatron } from './app.ts';

/**
 * Authorization by property, not only by route: for every role, every answer that holds a person's phone, e-mail or
 * address line shows it masked; unmasked only on request (reveal=true) by a role that may see personal data — for the
 * others that request is refused. The person's values are searched for in the whole answer, wherever they sit.
 */
const PHONE = '+8613912340077';
const EMAIL = 'masked.person@example.cn';
const LINE = '文三路 477 号 9 栋';

describe('personal data in every answer, for every role', () => {
  let patron: Patron;
  let owner: Session;
  let id: number;
  const keys = new Map<string, string>();
  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    const created = await patron.http.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: as(owner),
      payload: { phone: PHONE, email: EMAIL, name: '掩码测试', province: '浙江', city: '杭州', address: LINE },
    });
    id = created.json().customerId;
    // A value that failed cleansing is kept in quarantine (masked too).
    await patron.http.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: as(owner),
      payload: { externalIds: [{ channel: 'web', id: 'masked-q' }], phone: '12345' },
    });
    const actor = { type: 'system' as const, id: null, label: 'test', ip: null };
    for (const role of ROLES)
      keys.set(role, (await createApiKey(patron.ctx.db, { name: role, role, actor, actorRole: null, createdBy: null })).secret);
  });
  afterAll(() => patron.close());

  const get = (role: string, url: string) =>
    patron.http.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${keys.get(role)}` } });
  const clear = (body: string) =>
    [PHONE, PHONE.slice(3), EMAIL, LINE].filter((v) => body.includes(v) || body.includes(JSON.stringify(v).slice(1, -1)));

  it('masks phones, e-mails and addresses in every answer that holds them, for every role', async () => {
    const urls = [
      `/customers/${id}`,
      `/customers?q=${encodeURIComponent('掩码测试')}`,
      `/customers/quarantine`,
      `/customers/${id}/duplicates`,
      `/customers/${id}/insights`,
      `/orders`,
    ];
    for (const role of ROLES) {
      for (const url of urls) {
        const res = await get(role, url);
        if (res.statusCode === 403) continue; // the route itself is not the role's
        expect(res.statusCode, `${role} ${url}`).toBe(200);
        expect(clear(res.body), `${role} ${url}`).toEqual([]);
      }
      const detail = await get(role, `/customers/${id}`);
      if (detail.statusCode === 200)
        expect(detail.json().customer).toMatchObject({ phone: expect.stringContaining('*'), email: expect.stringContaining('*') });
    }
  });

  it('shows them unmasked on request only to a role that may see personal data, and refuses the others', async () => {
    for (const role of ROLES) {
      const res = await get(role, `/customers/${id}?reveal=true`);
      if (!roleHas(role, 'customers.read')) {
        expect(res.statusCode, role).toBe(403);
        continue;
      }
      if (roleHas(role, 'pii.read')) {
        expect(res.statusCode, role).toBe(200);
        expect(clear(res.body), role).toEqual(expect.arrayContaining([PHONE, EMAIL, LINE]));
      } else {
        expect([res.statusCode, res.json().error.code], role).toEqual([403, 'PII_REVEAL_FORBIDDEN']);
      }
    }
  });
});
