import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';

/**
 * Listens for SMTP on a port beside the HTTP server (closed with it) and hands each message's raw source to
 * `receive`. Failing to take a message answers 451, so the sending server tries again later; nothing is lost.
 */
export async function listenSmtp(
  app: FastifyInstance,
  opts: { port: number; host: string; maxBytes: number; what: string },
  receive: (raw: Buffer) => Promise<Record<string, unknown>>,
): Promise<void> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    size: opts.maxBytes,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded)
          return done(Object.assign(new Error('message too large'), { responseCode: 552 }));
        receive(Buffer.concat(chunks)).then(
          (counts) => {
            app.log.info(counts, opts.what);
            done();
          },
          (err: unknown) => {
            app.log.error({ err }, `${opts.what}: not taken`);
            done(Object.assign(new Error('try again later'), { responseCode: 451 }));
          },
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  app.addHook('onClose', () => new Promise<void>((resolve) => server.close(() => resolve())));
}
