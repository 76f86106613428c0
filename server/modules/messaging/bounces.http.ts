import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listenSmtp } from '../../http/smtp-listener.ts';
import type { AppContext } from '../../platform/context.ts';
import { blindIndex, constantTimeEqual } from '../../platform/crypto.ts';
import { applyBounces, parseBounce } from './bounces.ts';

/** The secret part of the bounce URL (a mail service's forward or an MTA pipe posts returned mail to it). */
export const bounceToken = (ctx: AppContext) => blindIndex(ctx.keyring, 'email-bounce', 'v1').slice(0, 32);

const params = z.object({ token: z.string().min(1).max(100) });

/** Reads and applies one returned message; the counts for the log. */
async function receive(ctx: AppContext, raw: Buffer, source: string) {
  const bounces = await parseBounce(raw);
  const applied = await applyBounces(ctx.db, ctx.keyring, bounces, source, ctx.clock.now());
  return { found: bounces.length, applied };
}

/**
 * Returned mail reaches Patron two ways. `POST /hooks/email/bounces/:token` takes one raw message (message/rfc822)
 * from a mail service's inbound forward or an MTA's pipe; the token is derived from the keyring, so a guessed URL is a
 * 404. With PATRON_BOUNCE_SMTP_PORT set, Patron also listens for SMTP on that port: point the Return-Path domain's MX
 * (or the MTA's bounce forward) at it. Either way a message that is no DSN or feedback report is accepted and ignored.
 */
export async function registerBounces(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 10_485_760 }, (_req, body, done) => done(null, body));
    scope.post('/hooks/email/bounces/:token', async (request, reply) => {
      const p = params.safeParse(request.params);
      if (!p.success || !constantTimeEqual(p.data.token, bounceToken(ctx)))
        return reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: 'No such callback.' } });
      if (!Buffer.isBuffer(request.body) || request.body.length === 0)
        return reply.status(400).send({ error: { code: 'EMPTY_BODY', message: 'Post the returned message as its raw source.' } });
      const counts = await receive(ctx, request.body, 'returned mail (hook)');
      request.log.info(counts, 'returned mail');
      return reply.send({ ok: true, ...counts });
    });
  });
  const port = ctx.config.bounceSmtpPort;
  if (port === undefined) return;
  await listenSmtp(app, { port, host: ctx.config.host, maxBytes: 10_485_760, what: 'returned mail' }, (raw) =>
    receive(ctx, raw, 'returned mail (SMTP)'),
  );
}
