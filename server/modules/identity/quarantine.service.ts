import { sql } from 'kysely';
import type { quarantineQuery, quarantineResolveBody } from '../../../contracts/customers.ts';
import type { z } from 'zod';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { maskEmail, maskPhone } from '../../platform/mask.ts';
import { recordAudit } from '../audit/index.ts';
import { type Keyed, insertIdentities, keyed, lockIdentifiers } from './identity.service.ts';
import { customerErrors, currentCustomerId, fillContact } from '../customers/index.ts';

/** Values that failed cleansing, waiting for someone to fix or dismiss them (the data-quality page). */

export const quarantineErrors = {
  notFound: (id: number) => new AppError('QUARANTINE_NOT_FOUND', 'not_found', `Quarantined value ${id} does not exist.`),
  resolved: (id: number) => new AppError('QUARANTINE_ALREADY_RESOLVED', 'conflict', `Quarantined value ${id} was already resolved.`),
  stillInvalid: (reason: string) =>
    new AppError('QUARANTINE_FIX_INVALID', 'invalid', `The corrected value is still invalid: ${reason}.`, { reason }),
  taken: (owner: number) =>
    new AppError(
      'IDENTIFIER_HELD_BY_OTHER',
      'conflict',
      `The corrected value belongs to customer ${owner}; merge the two customers instead.`,
      { customerId: owner },
    ),
  noCustomer: (id: number) =>
    new AppError('QUARANTINE_NO_CUSTOMER', 'conflict', `Quarantined value ${id} belongs to no customer; it can only be dismissed.`),
};

const mask = (field: string, plain: string) => (field === 'email' ? maskEmail(plain) : maskPhone(plain));

export async function listQuarantine(db: Db, keyring: Keyring, q: z.infer<typeof quarantineQuery> & { mayReveal: boolean; actor: Actor }) {
  const reveal = q.reveal === 'true';
  if (reveal && !q.mayReveal) throw customerErrors.revealForbidden();
  let base = db.selectFrom('data_quarantine as q').leftJoin('customers as c', 'c.id', 'q.customer_id');
  base = q.status === 'open' ? base.where('q.resolved_at', 'is', null) : base.where('q.resolved_at', 'is not', null);
  if (q.field) base = base.where('q.field', '=', q.field);
  if (q.customerId) base = base.where('q.customer_id', '=', q.customerId);
  const [rows, total, open] = await Promise.all([
    base
      .select([
        'q.id',
        'q.customer_id',
        'c.name',
        'q.field',
        'q.value_enc',
        'q.reason',
        'q.source',
        'q.occurrences',
        'q.created_at',
        'q.last_seen_at',
        'q.resolved_at',
        'q.resolution',
        'q.resolved_by',
      ])
      .orderBy('q.last_seen_at', 'desc')
      .orderBy('q.id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
    db
      .selectFrom('data_quarantine')
      .select(['field', 'reason', sql<number>`count(*)::int`.as('count')])
      .where('resolved_at', 'is', null)
      .groupBy(['field', 'reason'])
      .orderBy('count', 'desc')
      .execute(),
  ]);
  if (reveal)
    await recordAudit(db, {
      actor: q.actor,
      action: 'customers.quarantine_reveal',
      target: { type: 'data_quarantine', id: 'list' },
      details: { ids: rows.map((r) => r.id) },
    });
  return {
    items: rows.map((r) => {
      const plain = decryptField(keyring, r.value_enc);
      return {
        id: r.id,
        customerId: r.customer_id,
        customerName: r.name,
        field: r.field,
        value: reveal ? plain : mask(r.field, plain),
        reason: r.reason,
        source: r.source,
        occurrences: r.occurrences,
        createdAt: r.created_at.toISOString(),
        lastSeenAt: r.last_seen_at.toISOString(),
        resolvedAt: r.resolved_at?.toISOString() ?? null,
        resolution: r.resolution,
        resolvedBy: r.resolved_by,
      };
    }),
    total: total.n,
    open,
  };
}

/** The corrected identifier joins the customer (and fills their contact field when empty). */
async function attachFixed(trx: Db, keyring: Keyring, customerId: number, k: Keyed, now: Date) {
  await lockIdentifiers(trx, [k]);
  const owner = await trx
    .selectFrom('customer_identities')
    .select('customer_id')
    .where('kind', '=', k.kind)
    .where('channel', '=', k.channel)
    .where('key', '=', k.key)
    .executeTakeFirst();
  if (owner && owner.customer_id !== customerId) throw quarantineErrors.taken(owner.customer_id);
  await insertIdentities(trx, keyring, customerId, [k], 'quarantine-fix', now);
  await fillContact(trx, keyring, customerId, k.kind === 'email' ? 'email' : 'phone', k.plain);
}

/** Fixes (the corrected value is added to the customer) or dismisses a quarantined value. Audited. */
export async function resolveQuarantined(
  db: Db,
  keyring: Keyring,
  opts: { id: number; body: z.infer<typeof quarantineResolveBody>; actor: Actor; now: Date },
) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('data_quarantine')
      .select(['id', 'customer_id', 'field', 'resolved_at'])
      .where('id', '=', opts.id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw quarantineErrors.notFound(opts.id);
    if (row.resolved_at) throw quarantineErrors.resolved(opts.id);
    if (opts.body.action === 'fix') {
      if (row.customer_id === null) throw quarantineErrors.noCustomer(opts.id);
      const k = keyed(keyring, { kind: row.field as 'email' | 'phone', value: opts.body.value });
      if (typeof k === 'string') throw quarantineErrors.stillInvalid(k);
      // Quarantined values stay with the profile they arrived on; after a merge the fix goes to the survivor.
      await attachFixed(trx, keyring, await currentCustomerId(trx, row.customer_id), k, opts.now);
    }
    const resolution = opts.body.action === 'fix' ? 'fixed' : 'dismissed';
    await trx
      .updateTable('data_quarantine')
      .set({ resolved_at: opts.now, resolution, resolved_by: opts.actor.label })
      .where('id', '=', row.id)
      .execute();
    await recordAudit(trx, {
      actor: opts.actor,
      action: `customers.quarantine_${resolution}`,
      target: { type: 'data_quarantine', id: row.id },
      details: { customerId: row.customer_id, field: row.field },
    });
    return { id: row.id, resolution };
  });
}
