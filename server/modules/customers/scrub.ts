/** Keys that carry personal data in free-form payloads (event properties, raw rows). */
const PERSONAL_KEY =
  /^(e-?mail|phone|mobile|tel|telephone|phone_?number|address\d?|street|receiver_(name|mobile|phone|address)|id_?(card|number)|身份证|手机号?|电话|邮箱|地址|详细地址|收货人手机|收货地址)$/i;

/**
 * Removes personal fields from a free-form object before it is stored in clear (the encrypted
 * profile and identities hold them); nested objects are scrubbed too.
 */
export function scrubPersonal(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (PERSONAL_KEY.test(k.trim())) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? scrubPersonal(v as Record<string, unknown>) : v;
  }
  return out;
}

/** For a raw row kept for an error report: personal cells masked, the rest as given. */
export function maskPersonalCells(row: Record<string, string>, personalColumns: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) out[k] = (personalColumns.includes(k) || PERSONAL_KEY.test(k.trim())) && v ? '****' : v;
  return out;
}
