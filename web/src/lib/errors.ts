import type { TFunction } from 'i18next';
import { ApiError } from './api.ts';

/** A translated message for an API error code; unknown codes name the code. */
export function errorMessage(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) {
    const key = `errors.${err.code}`;
    return t(key, { defaultValue: t('errors.unknown', { code: err.code }) });
  }
  return t('errors.unknown', { code: 'NETWORK' });
}
