import { Transform } from 'node:stream';

/**
 * PostgreSQL text and jsonb cannot hold U+0000 or an unpaired UTF-16 surrogate, which JSON can (`\u0000`,
 * `\ud800`): such a value failed the statement that stored it (a 500). Interactive callers are told where it is
 * (`nulPath`); machine feeds that cannot correct what they send (tracking SDKs, platform webhooks) have it replaced
 * by U+FFFD (`replaceNul`) so nothing is lost.
 */
const NUL = '\u0000';
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const unstorable = (s: string) => s.includes(NUL) || s.search(LONE_SURROGATE) !== -1;
const storable = (s: string) => s.replaceAll(NUL, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');

/** The path of the first string (key or value) holding U+0000 or an unpaired surrogate, or null. */
export function nulPath(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return unstorable(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = nulPath(v, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (unstorable(k)) return [...path, k];
      const found = nulPath(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

/** JSON text parsed with every U+0000 and unpaired surrogate in its strings replaced by U+FFFD (the replacement character). */
export function parseJsonWithoutNul(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  // Both can only arrive escaped (a raw control character is not valid JSON; decoded UTF-8 holds no lone surrogate), so
  // most bodies skip the walk.
  return /\\u(0000|d[89a-f])/i.test(text) ? replaceNul(parsed) : parsed;
}

function replaceNul(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(replaceNul);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), replaceNul(v)]));
  return value;
}

/** A byte stream with every 0x00 byte (U+0000 in UTF-8) replaced by U+FFFD: for files such as CSV imports. */
export function replaceNulBytes(): Transform {
  const replacement = Buffer.from('\uFFFD');
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (chunk.indexOf(0) === -1) return done(null, chunk);
      const parts: Buffer[] = [];
      let from = 0;
      for (let at = chunk.indexOf(0); at !== -1; at = chunk.indexOf(0, from)) {
        parts.push(chunk.subarray(from, at), replacement);
        from = at + 1;
      }
      parts.push(chunk.subarray(from));
      done(null, Buffer.concat(parts));
    },
  });
}
