/** Masking helpers: what a caller without the personal-data permission sees. */

const STARS = '****';

/** `13812345678` → `138****5678`; `+8613812345678` → `+86 138****5678`. */
export function maskPhone(phone: string): string {
  const cn = /^\+86(\d{11})$/.exec(phone);
  if (cn) return `+86 ${maskPhone(cn[1])}`;
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return STARS;
  const prefix = phone.startsWith('+') ? '+' : '';
  return `${prefix}${digits.slice(0, 3)}${STARS}${digits.slice(-4)}`;
}

/** `zhang@example.com` → `z***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return STARS;
  return `${email[0]}***${email.slice(at)}`;
}

const REGION_PREFIX =
  /^((?:[^省市区县]{1,7}(?:自治区|省|市))?(?:[^省市区县]{1,8}?市|[^省市区县]{1,8}?(?:自治州|地区|盟))?(?:[^省市区县]{1,8}?(?:新区|区|县|旗|市))?)/u;

/** `上海市浦东新区张江路123号` → `上海市浦东新区****`; other scripts keep their first word. */
export function maskAddress(address: string): string {
  const region = REGION_PREFIX.exec(address)?.[1] ?? '';
  if (region) return `${region}${STARS}`;
  const firstWord = address.trim().split(/\s+/)[0] ?? '';
  return firstWord.length > 0 && firstWord.length < address.trim().length ? `${firstWord} ${STARS}` : STARS;
}

/** ID numbers (身份证 etc.): keep the first and last two characters. */
export function maskIdNumber(id: string): string {
  return id.length <= 4 ? STARS : `${id.slice(0, 2)}${'*'.repeat(id.length - 4)}${id.slice(-2)}`;
}

const EMAIL_IN_TEXT = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** Mainland mobiles (with or without +86, spaces or dashes inside) and other international numbers written with `+`. */
const PHONE_IN_TEXT = /(?<![\d+])(?:(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}|\+\d{8,15})(?!\d)/g;

/**
 * Free text a customer wrote (a return's note, a direct message) with the phone numbers and e-mail addresses in it
 * masked; order numbers, amounts and tracking numbers are left as they are.
 */
export function maskContactsInText(text: string): string {
  return text
    .replace(EMAIL_IN_TEXT, (email) => maskEmail(email))
    .replace(PHONE_IN_TEXT, (phone) => {
      const compact = phone.replace(/[\s-]/g, '');
      return maskPhone(/^86\d{11}$/.test(compact) ? `+${compact}` : compact);
    });
}
