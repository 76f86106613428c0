import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';
import { findKnownCustomers, resolveCustomers } from './index.ts';

describe('batch identity resolution', () => {
  let patron: Patron;
  beforeAll(async () => {
    patron = await startTestPatron();
  });
  afterAll(() => patron.close());

  const lastSeen = async (value: string) =>
    (
      await patron.ctx.db
        .selectFrom('customer_identities')
        .select('last_seen_at')
        .where('kind', '=', 'external')
        .where('key', '=', value)
        .executeTakeFirstOrThrow()
    ).last_seen_at;

  it('refreshes an identity’s last sighting at most once a minute, and only for the identities seen again', async () => {
    const { db, keyring } = patron.ctx;
    const t0 = new Date('2026-03-01T08:00:00Z');
    const request = (value: string) => ({ identifiers: [{ kind: 'external' as const, channel: 'shop', value }] });
    const created = await resolveCustomers(db, keyring, [request('u-1'), request('u-2')], { source: 'test', now: t0 });
    expect(created.map((r) => r.created)).toEqual([true, true]);
    expect(new Date(await lastSeen('u-1'))).toEqual(t0);

    // Seen again 30 s later: the same person, the sighting is not rewritten.
    const soon = new Date(t0.getTime() + 30_000);
    const again = await resolveCustomers(db, keyring, [request('u-1')], { source: 'test', now: soon });
    expect(again[0]).toMatchObject({ customerId: created[0].customerId, created: false });
    expect(new Date(await lastSeen('u-1'))).toEqual(t0);

    // Two minutes later: u-1 is refreshed (through the lookup of known people as well), u-2 is left as it was.
    const later = new Date(t0.getTime() + 120_000);
    expect(await findKnownCustomers(db, keyring, [request('u-1').identifiers, request('u-3').identifiers], later)).toEqual([
      created[0].customerId,
      null,
    ]);
    expect(new Date(await lastSeen('u-1'))).toEqual(later);
    expect(new Date(await lastSeen('u-2'))).toEqual(t0);
  });

  // Two connections at once: only on PostgreSQL (the embedded database runs one transaction at a time).
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'looks up an anonymous id being given to someone by a transaction at the same time after it commits',
    async () => {
      const { db, keyring } = patron.ctx;
      const now = new Date('2026-03-02T08:00:00Z');
      const visitor = [{ kind: 'anonymous' as const, value: 'anon-race' }];
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let identified!: () => void;
      const identifying = new Promise<void>((r) => {
        identified = r;
      });
      // An identify naming the visitor, its transaction still open …
      const identify = db.transaction().execute(async (trx) => {
        const [r] = await resolveCustomers(
          trx,
          keyring,
          [{ identifiers: [{ kind: 'external', channel: 'user_id', value: 'race-1' }, ...visitor] }],
          { source: 'test', now },
        );
        identified();
        await held;
        return r.customerId;
      });
      await identifying;
      // … while the visitor's anonymous event is attributed: it waits for the identify, then sees it.
      let answered = false;
      const lookup = db.transaction().execute(async (trx) => {
        const [who] = await findKnownCustomers(trx, keyring, [visitor], now);
        answered = true;
        return who;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      release();
      const person = await identify;
      expect(await lookup).toBe(person);
    },
  );
});
