import type { z } from 'zod';
import type { integrationBody } from '../../../contracts/integrations.ts';
import type { Db, IntegrationProvider } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type Keyring, decryptField, encryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';
import { recordAudit } from '../audit/index.ts';
import { ensureChannel } from '../commerce/index.ts';

export type Integration = z.infer<typeof integrationBody>;
const NO_DELIVERIES: Integration['health'] = { lastDeliveryAt: null, deliveries: 0, failures: 0, lastFailureAt: null, lastFailure: null };

const CHANNEL_KIND = {
  shopify: 'web',
  woocommerce: 'web',
  taobao: 'marketplace',
  douyin: 'social',
  youzan: 'social',
  jd: 'marketplace',
} as const;
export const webhookPath = (provider: IntegrationProvider, id: number) =>
  provider === 'shopify' || provider === 'woocommerce' ? `/webhooks/${provider}/${id}` : `/webhooks/orders/${id}`;

export const ingestErrors = {
  notFound: (id: number) => new AppError('INTEGRATION_NOT_FOUND', 'not_found', `Integration ${id} does not exist or is disabled.`),
  badSignature: () => new AppError('WEBHOOK_SIGNATURE_INVALID', 'unauthenticated', 'The webhook signature does not match the body.'),
  badPayload: (why: string) => new AppError('WEBHOOK_PAYLOAD_INVALID', 'invalid', `The webhook payload cannot be used: ${why}.`),
};

export async function createIntegration(
  db: Db,
  keyring: Keyring,
  opts: { provider: IntegrationProvider; name: string; channel?: string; secret?: string; actor: Actor },
): Promise<{ integration: Integration; secret: string }> {
  const secret = opts.secret ?? randomToken(32);
  return db.transaction().execute(async (trx) => {
    const code = opts.channel ?? opts.provider;
    const channelId = await ensureChannel(trx, { code, name: code, kind: CHANNEL_KIND[opts.provider], platform: opts.provider });
    const row = await trx
      .insertInto('integrations')
      .values({ provider: opts.provider, name: opts.name, channel_id: channelId, secret_enc: encryptField(keyring, secret) })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'integration.create',
      target: { type: 'integration', id: row.id },
      after: { provider: row.provider, name: row.name, channel: code },
    });
    return {
      integration: {
        id: row.id,
        provider: row.provider,
        name: row.name,
        channelId,
        channel: code,
        webhookPath: webhookPath(row.provider, row.id),
        createdAt: row.created_at.toISOString(),
        health: NO_DELIVERIES,
      },
      secret,
    };
  });
}

export async function listIntegrations(db: Db): Promise<Integration[]> {
  const rows = await db
    .selectFrom('integrations')
    .innerJoin('channels', 'channels.id', 'integrations.channel_id')
    .selectAll('integrations')
    .select('channels.code as channel')
    .where('disabled_at', 'is', null)
    .orderBy('integrations.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    provider: r.provider,
    name: r.name,
    channelId: r.channel_id,
    channel: r.channel,
    webhookPath: webhookPath(r.provider, r.id),
    createdAt: r.created_at.toISOString(),
    health: {
      lastDeliveryAt: r.last_delivery_at?.toISOString() ?? null,
      deliveries: Number(r.deliveries),
      failures: Number(r.failures),
      lastFailureAt: r.last_failure_at?.toISOString() ?? null,
      lastFailure: r.last_failure,
    },
  }));
}

/** A webhook answered: counted as a delivery (2xx) or a failure with its status and error code, for the integrations page. */
export async function recordWebhookOutcome(db: Db, id: number, outcome: { ok: true } | { ok: false; reason: string }, now: Date) {
  const q = db.updateTable('integrations').where('id', '=', id);
  if (outcome.ok) await q.set((eb) => ({ last_delivery_at: now, deliveries: eb('deliveries', '+', 1) })).execute();
  else
    await q.set((eb) => ({ last_failure_at: now, failures: eb('failures', '+', 1), last_failure: outcome.reason.slice(0, 200) })).execute();
}

export async function loadIntegration(db: Db, keyring: Keyring, id: number, providers: readonly IntegrationProvider[]) {
  const row = await db.selectFrom('integrations').selectAll().where('id', '=', id).where('disabled_at', 'is', null).executeTakeFirst();
  if (!row || !providers.includes(row.provider)) throw ingestErrors.notFound(id);
  return { id: row.id, provider: row.provider, name: row.name, channelId: row.channel_id, secret: decryptField(keyring, row.secret_enc) };
}

/** Records a delivery; false when it was already processed (the platform retried). */
export async function firstDelivery(trx: Db, integrationId: number, deliveryId: string, topic: string): Promise<boolean> {
  const r = await trx
    .insertInto('webhook_deliveries')
    .values({ integration_id: integrationId, delivery_id: deliveryId, topic })
    .onConflict((oc) => oc.columns(['integration_id', 'delivery_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}
