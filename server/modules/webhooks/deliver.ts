import { randomUUID } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import type { replayBody, webhookDeliveryList, webhookDeliveryQuery } from '../../../contracts/webhooks.ts';
import type { Db, OutboundDeliveryTable } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { decryptField } from '../../platform/crypto.ts';
import { hmacSignature } from '../../platform/signature.ts';
import { recordAudit } from '../audit/index.ts';
import { endpointRow, webhookErrors } from './endpoints.ts';
import { RETRY_WINDOW_MS } from './fanout.ts';

/** Deliveries one pass sends (at once); an attempt's lease — a process that dies mid-send leaves it for the next. */
const BATCH = 20;
const LEASE_MS = 2 * 60_000;
const TIMEOUT_MS = 10_000;
const REQUEST_KEEP = 4096;
const RESPONSE_KEEP = 2048;

/** Seconds before the n-th retry: 30 s, 2 min, 8 min, 32 min, then every 2 hours until the day is over. */
export const webhookRetrySeconds = (attempts: number) => Math.min(7200, 30 * 4 ** (attempts - 1));

/**
 * The signature header: `t=<unix seconds>,v1=<hex>` — HMAC-SHA256 of `<t>.<body>` under the endpoint's secret — and a
 * second `v1=` under the secret before a rotation while it overlaps.
 */
export function signatureHeader(secrets: readonly string[], timestamp: string, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmacSignature(s, timestamp, body)}`)].join(',');
}

type Claimed = { id: number; delivery_id: string; endpoint_id: number; event_type: string; body: string; give_up_at: Date };
type Outcome = { ok: boolean; status: number | null; response: string | null; error: string | null };

async function post(url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = (await res.text().catch(() => '')).slice(0, RESPONSE_KEEP);
    return { ok: res.status >= 200 && res.status < 300, status: res.status, response: text, error: res.ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, status: null, response: null, error: (err as Error).message.slice(0, 500) };
  }
}

/** What an attempt left: delivered; retried later; or, past the day, failed. The endpoint's run of failures follows. */
async function settle(db: Db, d: Claimed, o: Outcome, now: Date, attempts: number) {
  const retryAt = new Date(now.getTime() + webhookRetrySeconds(attempts) * 1000);
  const giveUp = !o.ok && retryAt > d.give_up_at;
  await db
    .updateTable('outbound_deliveries')
    .set({
      status: o.ok ? 'delivered' : giveUp ? 'failed' : 'pending',
      next_at: o.ok || giveUp ? null : retryAt,
      response_status: o.status,
      response: o.response,
      error: o.error,
      delivered_at: o.ok ? now : null,
    })
    .where('id', '=', d.id)
    .execute();
  if (o.ok) {
    await db.updateTable('outbound_endpoints').set({ failures: 0 }).where('id', '=', d.endpoint_id).execute();
    return;
  }
  // N failed attempts in a row pause the endpoint: its deliveries wait, Settings → Webhooks shows why.
  const paused = await sql<{ id: number }>`
    update outbound_endpoints set failures = failures + 1,
      status = case when failures + 1 >= pause_after then 'paused' else status end,
      paused_reason = case when failures + 1 >= pause_after and status = 'active' then ${`${o.error ?? 'failed'} (${d.event_type})`} else paused_reason end,
      paused_at = case when failures + 1 >= pause_after and status = 'active' then ${now}::timestamptz else paused_at end
    where id = ${d.endpoint_id} and status = 'active' and failures + 1 >= pause_after
    returning id`.execute(db);
  if (paused.rows.length === 0)
    await db
      .updateTable('outbound_endpoints')
      .set((eb) => ({ failures: eb('failures', '+', 1) }))
      .where('id', '=', d.endpoint_id)
      .execute();
  else
    await recordAudit(db, {
      actor: { type: 'system', id: null, label: 'webhooks', ip: null },
      action: 'webhook.auto_pause',
      target: { type: 'webhook', id: d.endpoint_id },
      details: { error: o.error },
    });
}

/**
 * The delivery poller: takes due deliveries of active endpoints (a lease, SKIP LOCKED: processes share them), POSTs
 * each signed with its delivery id, and settles it. At least once: a receiver deduplicates on `X-Patron-Delivery`
 * (or the body's `id`, the event's).
 */
export async function deliverWebhooks(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const claimed = await sql<Claimed & { attempts: number }>`
    update outbound_deliveries d set next_at = ${new Date(now.getTime() + LEASE_MS)}, attempts = d.attempts + 1
    where d.id in (
      select x.id from outbound_deliveries x join outbound_endpoints e on e.id = x.endpoint_id
      where x.status = 'pending' and x.next_at <= ${now} and e.status = 'active'
      order by x.next_at limit ${BATCH} for update of x skip locked)
    returning d.id, d.delivery_id, d.endpoint_id, d.event_type, d.body, d.give_up_at, d.attempts`.execute(ctx.db);
  if (claimed.rows.length === 0) return 0;
  const endpoints = new Map<number, { url: string; secrets: string[] }>();
  for (const id of new Set(claimed.rows.map((d) => Number(d.endpoint_id)))) {
    const e = await endpointRow(ctx.db, id);
    const secrets = [decryptField(ctx.keyring, e.secret_enc)];
    if (e.previous_secret_enc && e.previous_until && e.previous_until > now) secrets.push(decryptField(ctx.keyring, e.previous_secret_enc));
    endpoints.set(id, { url: e.url, secrets });
  }
  await Promise.all(
    claimed.rows.map(async (d) => {
      const e = endpoints.get(Number(d.endpoint_id)) as { url: string; secrets: string[] };
      const timestamp = String(Math.floor(now.getTime() / 1000));
      const outcome = await post(
        e.url,
        {
          'content-type': 'application/json',
          'user-agent': 'Patron-Webhooks/1',
          'x-patron-event': d.event_type,
          'x-patron-delivery': d.delivery_id,
          'x-patron-timestamp': timestamp,
          'x-patron-signature': signatureHeader(e.secrets, timestamp, d.body),
        },
        d.body,
      );
      await settle(ctx.db, { ...d, id: Number(d.id), endpoint_id: Number(d.endpoint_id) }, outcome, ctx.clock.now(), d.attempts);
    }),
  );
  return claimed.rows.length;
}

type DeliveryRow = Selectable<OutboundDeliveryTable>;
const present = (r: DeliveryRow) => ({
  id: Number(r.id),
  deliveryId: r.delivery_id,
  eventId: Number(r.event_id),
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  nextAt: r.next_at?.toISOString() ?? null,
  request: r.body.slice(0, REQUEST_KEEP),
  responseStatus: r.response_status,
  response: r.response,
  error: r.error,
  replayOf: r.replay_of === null ? null : Number(r.replay_of),
  createdAt: r.created_at.toISOString(),
  deliveredAt: r.delivered_at?.toISOString() ?? null,
});

export async function listDeliveries(
  db: Db,
  endpointId: number,
  q: z.infer<typeof webhookDeliveryQuery>,
): Promise<z.infer<typeof webhookDeliveryList>> {
  await endpointRow(db, endpointId);
  let base = db.selectFrom('outbound_deliveries').where('endpoint_id', '=', endpointId);
  if (q.status) base = base.where('status', '=', q.status);
  if (q.eventType) base = base.where('event_type', '=', q.eventType);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(total.n), items: rows.map(present) };
}

/**
 * Sends deliveries again as new deliveries (a new delivery id, the same event id and data): one, or those of a time
 * range (failed ones, unless all are asked for). Audited.
 */
export async function replay(db: Db, endpointId: number, b: z.infer<typeof replayBody>, actor: Actor, now: Date) {
  await endpointRow(db, endpointId);
  let q = db.selectFrom('outbound_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  if ('deliveryId' in b) q = q.where('id', '=', b.deliveryId);
  else {
    q = q.where('created_at', '>=', new Date(b.from)).where('created_at', '<', new Date(b.to)).where('replay_of', 'is', null);
    if (b.failedOnly) q = q.where('status', '=', 'failed');
  }
  const rows = await q.orderBy('id').limit(10_000).execute();
  if ('deliveryId' in b && rows.length === 0) throw webhookErrors.deliveryNotFound(b.deliveryId);
  return db.transaction().execute(async (trx) => {
    for (const r of rows) {
      const deliveryId = randomUUID();
      await trx
        .insertInto('outbound_deliveries')
        .values({
          delivery_id: deliveryId,
          endpoint_id: endpointId,
          event_id: r.event_id,
          event_type: r.event_type,
          body: JSON.stringify({ ...JSON.parse(r.body), deliveryId }),
          next_at: now,
          give_up_at: new Date(now.getTime() + RETRY_WINDOW_MS),
          replay_of: r.id,
          created_at: now,
        })
        .execute();
    }
    await recordAudit(trx, {
      actor,
      action: 'webhook.replay',
      target: { type: 'webhook', id: endpointId },
      details: { deliveries: rows.length },
    });
    return { queued: rows.length };
  });
}
