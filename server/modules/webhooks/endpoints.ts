import { randomBytes } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import type { DomainEventType } from '../../../contracts/events.ts';
import type { WebhookEndpointBody, webhookEndpointView, webhookSecretResult } from '../../../contracts/webhooks.ts';
import type { Db, OutboundEndpointTable } from '../../db/index.ts';
import { subscribeTypes } from '../../events/index.ts';
import type { Actor, Principal } from '../../http/principal.ts';
import { type Keyring, encryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';

/** The event subscriber outbound webhooks are fed by (its types: those some active endpoint wants). */
export const SUBSCRIBER = 'webhooks';

export const webhookErrors = {
  notFound: (id: number) => new AppError('WEBHOOK_NOT_FOUND', 'not_found', `Webhook endpoint ${id} does not exist.`),
  piiForbidden: () =>
    new AppError('WEBHOOK_PII_FORBIDDEN', 'forbidden', 'Only someone who may read personal data can send it to an endpoint in clear.'),
  deliveryNotFound: (id: number) => new AppError('WEBHOOK_DELIVERY_NOT_FOUND', 'not_found', `Delivery ${id} does not exist.`),
};

type Row = Selectable<OutboundEndpointTable>;
type View = z.infer<typeof webhookEndpointView>;

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export async function endpointRow(db: Db, id: number): Promise<Row> {
  const r = await db.selectFrom('outbound_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw webhookErrors.notFound(id);
  return r;
}

/** The event types the endpoints want (a paused one's deliveries wait for it), as the subscriber's: nothing is written for types nobody wants. */
export async function syncWebhookTypes(db: Db): Promise<void> {
  const rows = await sql<{ type: DomainEventType }>`
    select distinct unnest(events) as type from outbound_endpoints order by 1`.execute(db);
  await subscribeTypes(
    db,
    SUBSCRIBER,
    rows.rows.map((r) => r.type),
  );
}

export async function listEndpoints(db: Db, now: Date): Promise<View[]> {
  const rows = await db.selectFrom('outbound_endpoints').selectAll().orderBy('id').execute();
  const counts = await sql<{ endpoint_id: number; pending: number; failed: number }>`
    select endpoint_id, count(*) filter (where status = 'pending')::int as pending,
      count(*) filter (where status = 'failed' and created_at > ${new Date(now.getTime() - 86_400_000)})::int as failed
    from outbound_deliveries group by endpoint_id`.execute(db);
  const byId = new Map(counts.rows.map((c) => [Number(c.endpoint_id), c]));
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    url: r.url,
    events: r.events as View['events'],
    filters: r.filters as View['filters'],
    pii: r.pii,
    pauseAfter: r.pause_after,
    status: r.status,
    failures: r.failures,
    pausedReason: r.paused_reason,
    pausedAt: r.paused_at?.toISOString() ?? null,
    previousSecretUntil: r.previous_until && r.previous_until > now ? r.previous_until.toISOString() : null,
    pending: Number(byId.get(Number(r.id))?.pending ?? 0),
    failedLast24h: Number(byId.get(Number(r.id))?.failed ?? 0),
    createdAt: r.created_at.toISOString(),
  }));
}

/** Personal data in clear is a grant only someone who may read it can make; making it is audited. */
function checkPii(b: WebhookEndpointBody, principal: Principal | null) {
  if (b.pii && !principal?.permissions.has('pii.read')) throw webhookErrors.piiForbidden();
}

const valuesOf = (b: WebhookEndpointBody, now: Date) => ({
  name: b.name,
  url: b.url,
  events: b.events,
  filters: JSON.stringify(b.filters),
  pii: b.pii,
  pause_after: b.pauseAfter,
  updated_at: now,
});

/** A new endpoint with its signing secret (shown this once). */
export async function createEndpoint(
  db: Db,
  keyring: Keyring,
  b: WebhookEndpointBody,
  who: { principal: Principal | null; actor: Actor },
  now: Date,
): Promise<z.infer<typeof webhookSecretResult>> {
  checkPii(b, who.principal);
  const secret = newSecret();
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('outbound_endpoints')
      .values({ ...valuesOf(b, now), secret_enc: encryptField(keyring, secret), created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(r.id);
    await recordAudit(trx, {
      actor: who.actor,
      action: 'webhook.create',
      target: { type: 'webhook', id },
      details: { url: b.url, events: b.events, pii: b.pii },
    });
    await syncWebhookTypes(trx);
    return { id, secret, previousSecretUntil: null };
  });
}

export async function updateEndpoint(
  db: Db,
  id: number,
  b: WebhookEndpointBody,
  who: { principal: Principal | null; actor: Actor },
  now: Date,
) {
  checkPii(b, who.principal);
  await db.transaction().execute(async (trx) => {
    const before = await endpointRow(trx, id);
    await trx.updateTable('outbound_endpoints').set(valuesOf(b, now)).where('id', '=', id).execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'webhook.update',
      target: { type: 'webhook', id },
      details: { url: b.url, events: b.events, pii: b.pii, piiBefore: before.pii },
    });
    await syncWebhookTypes(trx);
  });
}

export async function deleteEndpoint(db: Db, id: number, actor: Actor) {
  await db.transaction().execute(async (trx) => {
    await endpointRow(trx, id);
    await trx.deleteFrom('outbound_endpoints').where('id', '=', id).execute();
    await recordAudit(trx, { actor, action: 'webhook.delete', target: { type: 'webhook', id } });
    await syncWebhookTypes(trx);
  });
}

/** Pauses an endpoint, or resumes it (its run of failures forgotten; what waited is sent). */
export async function setEndpointStatus(db: Db, id: number, status: 'active' | 'paused', actor: Actor, now: Date) {
  await db.transaction().execute(async (trx) => {
    await endpointRow(trx, id);
    await trx
      .updateTable('outbound_endpoints')
      .set(
        status === 'active'
          ? { status, failures: 0, paused_reason: null, paused_at: null, updated_at: now }
          : { status, paused_reason: 'paused by hand', paused_at: now, updated_at: now },
      )
      .where('id', '=', id)
      .execute();
    // Resumed: what waited gets its day of attempts from now.
    if (status === 'active')
      await trx
        .updateTable('outbound_deliveries')
        .set({ give_up_at: new Date(now.getTime() + 86_400_000), next_at: now })
        .where('endpoint_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
    await recordAudit(trx, { actor, action: status === 'active' ? 'webhook.resume' : 'webhook.pause', target: { type: 'webhook', id } });
    await syncWebhookTypes(trx);
  });
}

/**
 * A new signing secret; the old one keeps signing beside it (a second `v1=` in the signature header) for
 * `overlapHours`, so a receiver can switch without refusing a delivery.
 */
export async function rotateSecret(
  db: Db,
  keyring: Keyring,
  id: number,
  overlapHours: number,
  actor: Actor,
  now: Date,
): Promise<z.infer<typeof webhookSecretResult>> {
  const secret = newSecret();
  const until = overlapHours > 0 ? new Date(now.getTime() + overlapHours * 3_600_000) : null;
  await db.transaction().execute(async (trx) => {
    const r = await endpointRow(trx, id);
    await trx
      .updateTable('outbound_endpoints')
      .set({
        secret_enc: encryptField(keyring, secret),
        previous_secret_enc: until ? r.secret_enc : null,
        previous_until: until,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, { actor, action: 'webhook.rotate_secret', target: { type: 'webhook', id }, details: { overlapHours } });
  });
  return { id, secret, previousSecretUntil: until?.toISOString() ?? null };
}
