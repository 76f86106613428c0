import type { ErrorCode } from '../../contracts/errors.ts';

/**
 * The kinds of failure a service may report. The HTTP layer maps each kind to a status in one
 * exhaustive switch (server/http/errors.ts); services never speak HTTP.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

export type ErrorDetails = Record<string, unknown> | Array<Record<string, unknown>>;

/** A failure with a stable SCREAMING_SNAKE code that clients may rely on. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly kind: ErrorKind,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
