import type { FastifyInstance } from 'fastify';
import { isbot } from 'isbot';
import { z } from 'zod';
import { emitWhenWanted } from '../../events/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { decryptField } from '../../platform/crypto.ts';
import { recordMessageEvents } from './timeline.ts';
import { readTrackingToken } from './tracking.ts';

const params = z.object({ token: z.string().min(3).max(100) });
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Opens by mail proxies that fetch every image (Apple Mail Privacy Protection, scanners) and crawlers: not human. */
const machine = (userAgent: string | undefined) =>
  !userAgent || isbot(userAgent) || /GoogleImageProxy|YahooMailProxy|Barracuda|Proofpoint|Mimecast/i.test(userAgent);

/**
 * `/o/<token>` (the open pixel) and `/l/<token>` (a tracked link): public, signed, each an event on the customer's
 * timeline ("Message Opened", "Message Clicked") with `machine` set for proxies and bots, so segments count people.
 */
export async function registerTracking(app: FastifyInstance, ctx: AppContext) {
  const messageOf = (id: number) =>
    ctx.db
      .selectFrom('messages')
      .select(['id', 'customer_id', 'template_key', 'channel', 'rendered_enc'])
      .where('id', '=', id)
      .executeTakeFirst();
  app.get('/o/:token', async (request, reply) => {
    const p = params.safeParse(request.params);
    const claim = p.success ? readTrackingToken(ctx.keyring, 'o', p.data.token) : null;
    const m = claim ? await messageOf(claim.messageId) : undefined;
    if (m?.customer_id) {
      const properties = { template: m.template_key, channel: m.channel, machine: machine(request.headers['user-agent']) };
      await recordMessageEvents(ctx.db, [
        { customerId: Number(m.customer_id), kind: 'opened', messageId: Number(m.id), properties, at: ctx.clock.now(), once: false },
      ]);
    }
    return reply.header('cache-control', 'no-store').type('image/gif').send(GIF);
  });
  app.get('/l/:token', async (request, reply) => {
    const p = params.safeParse(request.params);
    const claim = p.success ? readTrackingToken(ctx.keyring, 'l', p.data.token) : null;
    const m = claim ? await messageOf(claim.messageId) : undefined;
    const links: string[] = m?.rendered_enc ? (JSON.parse(decryptField(ctx.keyring, m.rendered_enc)).links ?? []) : [];
    const target = claim ? links[claim.link] : undefined;
    if (!m || !target) return reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: 'No such link.' } });
    if (m.customer_id) {
      const properties = { template: m.template_key, channel: m.channel, url: target, machine: machine(request.headers['user-agent']) };
      const at = ctx.clock.now();
      await recordMessageEvents(ctx.db, [
        { customerId: Number(m.customer_id), kind: 'clicked', messageId: Number(m.id), properties, at, once: false },
      ]);
      await emitWhenWanted(ctx.db, {
        key: `message:${m.id}:clicked:${claim?.link}:${at.getTime()}`,
        type: 'message.clicked',
        customerId: Number(m.customer_id),
        occurredAt: at,
        payload: { messageId: Number(m.id), ...properties },
      });
    }
    return reply.redirect(target, 302);
  });
}
