import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { AppError, type ErrorDetails, type ErrorKind } from '../platform/errors.ts';

/** The one place that turns an error kind into an HTTP status. */
export function statusOf(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'rate_limited':
      return 429;
    case 'unavailable':
      return 503;
  }
}

export const httpErrors = {
  validation: (where: string, err: ZodError) =>
    new AppError(
      'VALIDATION_FAILED',
      'invalid',
      `The request ${where} is invalid.`,
      err.issues.map((i) => ({ in: where, path: i.path.join('.'), code: i.code, message: i.message })),
    ),
  /** PostgreSQL cannot store U+0000 in text; reported like any other invalid value, at its path. */
  nulCharacter: (where: string, path: string) =>
    new AppError('VALIDATION_FAILED', 'invalid', `The request ${where} is invalid.`, [
      {
        in: where,
        path,
        code: 'invalid_character',
        message: 'Contains U+0000 or an unpaired surrogate (\\ud800–\\udfff), which cannot be stored.',
      },
    ]),
  unauthenticated: () => new AppError('UNAUTHENTICATED', 'unauthenticated', 'Sign in or send a valid API key.'),
  forbidden: (permission: string) => new AppError('FORBIDDEN', 'forbidden', 'Your role does not allow this action.', { permission }),
  csrf: () => new AppError('CSRF_TOKEN_INVALID', 'forbidden', 'Missing or wrong X-CSRF-Token header.'),
  routeNotFound: (method: string, url: string) => new AppError('ROUTE_NOT_FOUND', 'not_found', `No route ${method} ${url.split('?')[0]}.`),
};

/** Framework-level client errors (body parsing, limits) translated to stable codes. */
function fromFastifyError(err: FastifyError): AppError | null {
  if (err instanceof SyntaxError) return new AppError('MALFORMED_JSON', 'invalid', 'The body is not valid JSON.');
  const status = err.statusCode ?? 500;
  if (status >= 500) return null;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'payload_too_large', 'The request body is too large.');
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported_media_type', 'Send the body as application/json.');
  if (status === 429) return new AppError('RATE_LIMITED', 'rate_limited', 'Too many requests; slow down.');
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AppError('EMPTY_BODY', 'invalid', 'The JSON body is empty.');
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return new AppError('MALFORMED_JSON', 'invalid', 'The body is not valid JSON.');
  return new AppError('BAD_REQUEST', 'invalid', err.message);
}

export type ErrorEnvelope = { error: { code: string; message: string; details?: ErrorDetails } };

export function toEnvelope(err: AppError): ErrorEnvelope {
  return { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
}

/**
 * Any thrown value as a client error with a stable code, or null for a server fault. A ZodError that reaches here
 * was not the request's (those are checked before the handler, as VALIDATION_FAILED): it is the server's own data
 * failing its schema — a job payload, a stored setting — and so a 500, logged, never a 400 blamed on the client.
 */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return null;
  return fromFastifyError(err as FastifyError);
}

/** An error handler; `adapt` lets a scope restate client errors (the tracking API answers oversize with 400). */
export function createErrorHandler(adapt: (e: AppError) => AppError = (e) => e) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toAppError(err);
    if (known) {
      const appError = adapt(known);
      const status = statusOf(appError.kind);
      if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
      return reply.status(status).send(toEnvelope(appError));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; it has been logged.' } });
  };
}

export const errorHandler = createErrorHandler();
