const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX']);

/** Decimal major units as platforms send them (19.9, "19.90") → integer minor units (1990); null when not a number. */
export function toMinor(value: unknown, currency: string): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  return Math.round(n * (ZERO_DECIMAL.has(currency.toUpperCase()) ? 1 : 100));
}
