import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** E.164 (`+8613812345678`) or null when the input is not a valid number. Default region CN. */
export function normalizePhone(raw: string, region: 'CN' | (string & {}) = 'CN'): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), region as 'CN');
  return parsed?.isValid() ? parsed.number : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Lower-cased, trimmed email or null when it is not an address. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return EMAIL.test(email) && email.length <= 320 ? email : null;
}

/** External ids as systems write them: trimmed; spreadsheet-style `17850.0` read as `17850`. */
export function normalizeExternalId(raw: string | number): string {
  const text = String(raw).trim();
  return /^\d+\.0+$/.test(text) ? text.replace(/\.0+$/, '') : text;
}
