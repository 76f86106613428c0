import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createErrorHandler } from '../../http/errors.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseJsonWithoutNul } from '../../platform/nul.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, isRecord } from './messages.ts';
import { authenticateWriteKey } from './sources.service.ts';
import { stageBatch } from './inbox.ts';
import { type TrackingResult, acceptMessages } from './tracking.service.ts';

const trackingErrors = {
  writeKey: () => new AppError('WRITE_KEY_INVALID', 'unauthenticated', 'Send a valid write key as the Basic-auth username or as writeKey.'),
  notObject: () => new AppError('INVALID_MESSAGE', 'invalid', 'The body must be a JSON object.'),
  noBatch: () => new AppError('INVALID_MESSAGE', 'invalid', 'A batch body needs a "batch" array.'),
  tooMany: (n: number) => new AppError('BATCH_TOO_LARGE', 'invalid', `A batch holds at most ${MAX_BATCH_EVENTS} events; got ${n}.`),
  eventTooLarge: (index: number) => new AppError('EVENT_TOO_LARGE', 'invalid', `Event ${index} is larger than 32 KB.`, { index }),
};

function writeKeyOf(request: FastifyRequest, body: Record<string, unknown>): string | null {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) return user;
  }
  return typeof body.writeKey === 'string' ? body.writeKey : null;
}

/** A batch's message with the batch's own `context` and `integrations` under its own (the message's fields win). */
function withShared(m: unknown, batch: Record<string, unknown>): unknown {
  if (!isRecord(m) || (!isRecord(batch.context) && !isRecord(batch.integrations))) return m;
  const merged = { ...m };
  for (const k of ['context', 'integrations'] as const) {
    if (isRecord(batch[k])) merged[k] = { ...batch[k], ...(isRecord(m[k]) ? m[k] : {}) };
  }
  return merged;
}

const SINGLE = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;

/** Each request's body length as received (after gunzip): no event can be larger than the body it came in. */
const bodyLengths = new WeakMap<FastifyRequest, number>();

/**
 * The Segment-compatible HTTP tracking API (`/v1/*`), for Segment and RudderStack SDKs. Answers 200 only after the
 * batch's valid messages are committed to the inbox (`stageBatch`), with each invalid one and why; 400 for invalid JSON
 * or oversize (as Segment does); gzip bodies. The messages are stored as events by the `tracking-inbox` poller.
 */
export async function registerTrackingApi(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.addHook('preParsing', async (request, _reply, payload) => {
      if (request.headers['content-encoding'] !== 'gzip') return payload;
      const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
      gunzip.receivedEncodedLength = 0;
      payload.on('data', (chunk: Buffer) => {
        gunzip.receivedEncodedLength += chunk.length;
      });
      delete request.headers['content-length'];
      return payload.pipe(gunzip);
    });
    // SDKs differ in the content type they declare for a JSON body (axios sends gzip buffers without
    // application/json), so every body on these routes is read as JSON.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      try {
        bodyLengths.set(request, (body as string).length);
        done(null, parseJsonWithoutNul(body as string));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    scope.setErrorHandler(
      createErrorHandler((e) =>
        e.code === 'PAYLOAD_TOO_LARGE'
          ? new AppError(e.code, 'invalid', 'The request body is too large (32 KB per event, 500 KB per batch).')
          : e,
      ),
    );

    const handle = async (request: FastifyRequest, batch: boolean) => {
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw trackingErrors.notObject();
      const b = body as Record<string, unknown>;
      const key = writeKeyOf(request, b);
      const source = key ? await authenticateWriteKey(ctx.db, key, ctx.clock.now()) : null;
      if (!source) throw trackingErrors.writeKey();
      let raw: unknown[];
      if (batch) {
        if (!Array.isArray(b.batch)) throw trackingErrors.noBatch();
        if (b.batch.length > MAX_BATCH_EVENTS) throw trackingErrors.tooMany(b.batch.length);
        // Serializing every event again to measure it was a few percent of ingest's node CPU; a body within the limit needs none.
        const mayHoldLarge = (bodyLengths.get(request) ?? Number.POSITIVE_INFINITY) > MAX_EVENT_BYTES;
        raw = b.batch.map((m, index) => {
          if (mayHoldLarge && JSON.stringify(m).length > MAX_EVENT_BYTES) throw trackingErrors.eventTooLarge(index);
          return withShared(m, b);
        });
      } else {
        raw = [{ ...b, type: request.url.split('?')[0].split('/').pop() }];
      }
      const receivedAt = ctx.clock.now();
      const result: TrackingResult = { accepted: 0, duplicates: 0, rejected: [] };
      const staged = acceptMessages(
        raw,
        { sourceId: source.id, batchSentAt: typeof b.sentAt === 'string' ? b.sentAt : null, receivedAt },
        result,
      );
      if (staged.length > 0) await stageBatch(ctx.db, ctx.keyring, { sourceId: source.id, receivedAt, messages: staged });
      return { success: true, ...result };
    };

    for (const type of SINGLE) {
      scope.post(`/v1/${type}`, { bodyLimit: MAX_EVENT_BYTES, config: { access: 'public' } }, (request) => handle(request, false));
    }
    for (const path of ['/v1/batch', '/v1/import']) {
      scope.post(path, { bodyLimit: MAX_BATCH_BYTES, config: { access: 'public' } }, (request) => handle(request, true));
    }
  });
}
