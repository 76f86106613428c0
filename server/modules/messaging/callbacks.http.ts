import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { parseJsonWithoutNul } from '../../platform/nul.ts';
import { type SmsProviderKind, applyCallback, callbackTokenValid, parseCallback } from './callbacks.ts';

const params = z.object({ provider: z.enum(['aliyun', 'tencent', 'http']), token: z.string().min(1).max(100) });

/** What each provider expects back from its push (anything else and it pushes again). */
const ACK: Record<SmsProviderKind, (ok: boolean, msg: string) => object> = {
  aliyun: (ok, msg) => ({ code: ok ? 0 : 1, msg }),
  tencent: (ok, msg) => ({ result: ok ? 0 : 1, errmsg: msg }),
  http: (ok, msg) => ({ ok, message: msg }),
};

/**
 * `POST /hooks/sms/:provider/:token`: the URL configured in the provider's console for delivery receipts and replies
 * (Aliyun SmsReport / SmsUp pushes, Tencent status and reply callbacks). The token is derived from the keyring: a
 * guessed URL is a 404. A body that is not the provider's format is a 400, recorded nowhere.
 */
export async function registerSmsCallbacks(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1_048_576 }, (_req, body, done) => done(null, body));
    scope.post('/hooks/sms/:provider/:token', async (request, reply) => {
      const p = params.safeParse(request.params);
      if (!p.success || !callbackTokenValid(ctx.keyring, p.data.provider, p.data.token))
        return reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: 'No such callback.' } });
      const ack = ACK[p.data.provider];
      let body: unknown;
      try {
        body = parseJsonWithoutNul(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
      } catch {
        return reply.status(400).send(ack(false, 'body is not JSON'));
      }
      const parsed = parseCallback(p.data.provider, body);
      if (!parsed) return reply.status(400).send(ack(false, 'expected a JSON array'));
      const applied = await applyCallback(ctx.db, ctx.keyring, p.data.provider, parsed, ctx.clock.now());
      request.log.info({ provider: p.data.provider, ...applied }, 'sms callback');
      return reply.send(ack(true, 'ok'));
    });
  });
}
