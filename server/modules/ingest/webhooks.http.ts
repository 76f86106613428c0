import { createHash, createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createErrorHandler } from '../../http/errors.ts';
import type { AppContext } from '../../platform/context.ts';
import { constantTimeEqual } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { parseJsonWithoutNul } from '../../platform/nul.ts';
import { recordAudit } from '../audit/index.ts';
import { recordRefund, recordShipments, updateCatalogue } from '../commerce/index.ts';
import { erasePersonIn } from '../privacy/index.ts';
import { getStoreSettings } from '../system/index.ts';
import { ingestCustomer, ingestOrder } from './canonical.ts';
import { firstDelivery, ingestErrors, loadIntegration, recordWebhookOutcome } from './integrations.service.ts';
import { MARKETPLACE_MAPPERS, type Marketplace } from './mappers/marketplaces.ts';
import { shopifyCustomer, shopifyFulfillment, shopifyOrder, shopifyProducts, shopifyRefund } from './mappers/shopify.ts';
import { wooCustomer, wooOrder, wooProduct } from './mappers/woocommerce.ts';

type Json = Record<string, unknown>;
const idParam = z.object({ id: z.coerce.number().int().positive() });
/** The integration id of the URL; an id that cannot be one names no integration (404, as an unknown one). */
const integrationIdOf = (params: unknown): number => {
  const parsed = idParam.safeParse(params);
  if (!parsed.success) throw ingestErrors.notFound(0);
  return parsed.data.id;
};
const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('base64');
const header = (r: FastifyRequest, name: string) => {
  const v = r.headers[name];
  return typeof v === 'string' ? v : undefined;
};

function parseJson(body: Buffer): Json {
  try {
    const parsed = parseJsonWithoutNul(body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
  } catch {}
  throw ingestErrors.badPayload('not a JSON object');
}

function verify(secret: string, body: Buffer, signature: string | undefined) {
  if (!signature || !constantTimeEqual(hmac(secret, body), signature.replace(/^sha256=/, ''))) throw ingestErrors.badSignature();
}

/**
 * Platform webhooks. Each verifies its signature over the raw body, ignores deliveries it has already
 * processed (the platforms retry), and commits before answering 2xx.
 */
export async function registerWebhooks(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler(createErrorHandler());
    // Every answer counts on its integration's health: deliveries, and refusals with their status and error code.
    const refused = new WeakMap<FastifyRequest, string>();
    scope.addHook('onError', async (request, _reply, err) => {
      refused.set(request, err instanceof AppError ? err.code : 'INTERNAL');
    });
    scope.addHook('onResponse', async (request, reply) => {
      const id = idParam.safeParse(request.params);
      if (!id.success) return;
      const ok = reply.statusCode < 300;
      const outcome = ok
        ? { ok: true as const }
        : { ok: false as const, reason: `${reply.statusCode} ${refused.get(request) ?? ''}`.trim() };
      await recordWebhookOutcome(ctx.db, id.data.id, outcome, ctx.clock.now()).catch((err: unknown) =>
        request.log.warn({ err }, 'webhook outcome not recorded'),
      );
    });
    const opts = { bodyLimit: 5 * 1024 * 1024, config: { access: 'public' as const } };
    /** Platforms' product payloads carry prices without a currency: the store's. */
    const storeCurrency = async (trx: AppContext['db']) => (await getStoreSettings(trx, { timeZone: ctx.config.timeZone })).currency;
    const rawBody = (r: FastifyRequest) => (Buffer.isBuffer(r.body) ? r.body : Buffer.alloc(0));
    async function once(
      integrationId: number,
      deliveryId: string | undefined,
      topic: string,
      work: (trx: AppContext['db']) => Promise<unknown>,
    ) {
      try {
        return await ctx.db.transaction().execute(async (trx) => {
          if (deliveryId && !(await firstDelivery(trx, integrationId, deliveryId, topic))) return { ok: true, duplicate: true };
          await work(trx);
          return { ok: true, duplicate: false };
        });
      } catch (err) {
        // Data about a person erased on request is acknowledged and dropped, or the platform would retry for days.
        if (err instanceof AppError && err.code === 'IDENTITY_ERASED') return { ok: true, skipped: err.code };
        throw err;
      }
    }

    scope.post('/webhooks/shopify/:id', opts, async (request) => {
      const id = integrationIdOf(request.params);
      const integration = await loadIntegration(ctx.db, ctx.keyring, id, ['shopify']);
      const body = rawBody(request);
      verify(integration.secret, body, header(request, 'x-shopify-hmac-sha256'));
      const topic = header(request, 'x-shopify-topic') ?? '';
      const payload = parseJson(body);
      const at = { channelId: integration.channelId, source: `shopify:${integration.name}`, now: ctx.clock.now() };
      return once(id, header(request, 'x-shopify-webhook-id'), topic, async (trx) => {
        if (topic.startsWith('orders/')) return ingestOrder(trx, ctx.keyring, shopifyOrder(payload), at);
        if (topic === 'refunds/create') {
          const order = await trx
            .selectFrom('orders')
            .select('currency')
            .where('channel_id', '=', integration.channelId)
            .where('external_id', '=', String(payload.order_id))
            .executeTakeFirst();
          const r = shopifyRefund(payload, order?.currency ?? 'CNY');
          return recordRefund(trx, {
            channelId: integration.channelId,
            orderExternalId: r.orderId,
            refundId: r.refundId ?? `webhook:${header(request, 'x-shopify-webhook-id') ?? ''}`,
            amount: r.amount,
            reason: r.reason,
            source: at.source,
            refundedAt: r.at ?? at.now,
            now: at.now,
          });
        }
        if (topic === 'fulfillments/create' || topic === 'fulfillments/update') {
          const order = await trx
            .selectFrom('orders')
            .select(['id', 'customer_id'])
            .where('channel_id', '=', integration.channelId)
            .where('external_id', '=', String(payload.order_id))
            .executeTakeFirst();
          if (order)
            await recordShipments(trx, {
              orderId: order.id,
              customerId: order.customer_id,
              shipments: shopifyFulfillment(payload),
              source: at.source,
              now: at.now,
            });
          return null;
        }
        if (topic === 'customers/create' || topic === 'customers/update')
          return ingestCustomer(trx, ctx.keyring, shopifyCustomer(payload), at);
        if (topic === 'products/create' || topic === 'products/update')
          return updateCatalogue(trx, shopifyProducts(payload, await storeCurrency(trx)), at.now);
        if (topic === 'customers/redact') {
          const customer = (payload.customer ?? {}) as Json;
          const who = await trx
            .selectFrom('customer_identities')
            .select('customer_id')
            .where('kind', '=', 'external')
            .where('channel', '=', 'shopify')
            .where('key', '=', String(customer.id))
            .executeTakeFirst();
          const actor = { type: 'system' as const, id: null, label: `shopify:${integration.name}`, ip: request.ip };
          if (who)
            return erasePersonIn(trx, {
              customerId: who.customer_id,
              actor,
              source: 'shopify customers/redact',
              now: at.now,
              data: ctx.modules.customerData,
            });
        }
        if (topic === 'customers/data_request' || topic === 'customers/redact' || topic === 'shop/redact') {
          // Recorded for the privacy team; the erase itself is the privacy module's work (see issue notes).
          const customer = (payload.customer ?? {}) as Json;
          const dataRequest = (payload.data_request ?? {}) as Json;
          // Only ids go to the audit log: the payload carries the person's e-mail and phone.
          const details = {
            shopId: payload.shop_id ?? null,
            customerId: customer.id ?? null,
            dataRequestId: dataRequest.id ?? null,
            ordersRequested: payload.orders_requested ?? null,
          };
          return recordAudit(trx, {
            actor: { type: 'system', id: null, label: `shopify:${integration.name}`, ip: request.ip },
            action: `privacy.shopify_${topic.replace('/', '_')}`,
            target: { type: 'integration', id },
            details,
          });
        }
        return null;
      });
    });

    scope.post('/webhooks/woocommerce/:id', opts, async (request) => {
      const id = integrationIdOf(request.params);
      const integration = await loadIntegration(ctx.db, ctx.keyring, id, ['woocommerce']);
      const body = rawBody(request);
      const signature = header(request, 'x-wc-webhook-signature');
      // WooCommerce pings a new webhook with an unsigned form post `webhook_id=<id>`: acknowledge it.
      if (!signature && /^webhook_id=\d+$/.test(body.toString('utf8').trim())) return { ok: true, ping: true };
      verify(integration.secret, body, signature);
      const topic = header(request, 'x-wc-webhook-topic') ?? '';
      const payload = parseJson(body);
      const at = { channelId: integration.channelId, source: `woocommerce:${integration.name}`, now: ctx.clock.now() };
      return once(id, header(request, 'x-wc-webhook-delivery-id'), topic, async (trx) => {
        if (topic === 'order.deleted') return ingestOrder(trx, ctx.keyring, { ...wooOrder(payload), status: 'cancelled' }, at);
        if (topic.startsWith('order.')) return ingestOrder(trx, ctx.keyring, wooOrder(payload), at);
        if (topic === 'customer.created' || topic === 'customer.updated') return ingestCustomer(trx, ctx.keyring, wooCustomer(payload), at);
        if (topic === 'product.created' || topic === 'product.updated')
          return updateCatalogue(trx, [wooProduct(payload, await storeCurrency(trx))], at.now);
        return null;
      });
    });

    scope.post('/webhooks/orders/:id', opts, async (request) => {
      const id = integrationIdOf(request.params);
      const integration = await loadIntegration(ctx.db, ctx.keyring, id, ['taobao', 'douyin', 'youzan', 'jd']);
      const body = rawBody(request);
      verify(integration.secret, body, header(request, 'x-patron-signature'));
      const payload = parseJson(body);
      if (!payload.order || typeof payload.order !== 'object') throw ingestErrors.badPayload('"order" is missing');
      const order = MARKETPLACE_MAPPERS[integration.provider as Marketplace](payload.order as Json);
      if (!order.externalId || order.externalId === 'undefined') throw ingestErrors.badPayload('the order has no id');
      if (order.buyer.identifiers.length === 0) throw ingestErrors.badPayload('the order has no buyer id');
      const delivery = header(request, 'x-patron-delivery-id') ?? createHash('sha256').update(body).digest('hex');
      return once(id, delivery, 'order', (trx) =>
        ingestOrder(trx, ctx.keyring, order, {
          channelId: integration.channelId,
          source: `${integration.provider}:${integration.name}`,
          now: ctx.clock.now(),
        }),
      );
    });
  });
}
