import { type Keyring, blindIndex, constantTimeEqual } from '../../platform/crypto.ts';

/** A tracked open (`o`) or link (`l`, with the link's position in the message): signed, so a forged id is a 404. */
export type TrackingClaim = { kind: 'o' | 'l'; messageId: number; link: number };

const mac = (keyring: Keyring, payload: string) => blindIndex(keyring, 'message-tracking', payload).slice(0, 16);

export function trackingToken(keyring: Keyring, claim: TrackingClaim): string {
  const payload = `${claim.messageId.toString(36)}${claim.kind === 'l' ? `-${claim.link.toString(36)}` : ''}`;
  return `${payload}.${mac(keyring, `${claim.kind}:${payload}`)}`;
}

export function readTrackingToken(keyring: Keyring, kind: 'o' | 'l', token: string): TrackingClaim | null {
  const [payload, signature] = token.split('.');
  if (!payload || !signature || !constantTimeEqual(signature, mac(keyring, `${kind}:${payload}`))) return null;
  const [id, link] = payload.split('-');
  const messageId = Number.parseInt(id, 36);
  const index = link === undefined ? 0 : Number.parseInt(link, 36);
  return Number.isSafeInteger(messageId) && messageId > 0 && Number.isSafeInteger(index) ? { kind, messageId, link: index } : null;
}

/**
 * Rewrites the http(s) links of an e-mail to short tracked links on Patron's own address (`/l/<token>`) and adds the
 * open pixel. The unsubscribe link and mailto/tel links stay as they are.
 */
export function trackLinks(
  html: string,
  o: { keyring: Keyring; messageId: number; publicUrl: string; keep: readonly string[] },
): { html: string; links: string[] } {
  const links: string[] = [];
  const rewritten = html.replace(/(<a\b[^>]*\bhref=")(https?:\/\/[^"]+)(")/gi, (whole, before: string, url: string, after: string) => {
    const target = url.replace(/&amp;/g, '&');
    if (o.keep.includes(target)) return whole;
    links.push(target);
    return `${before}${o.publicUrl}/l/${trackingToken(o.keyring, { kind: 'l', messageId: o.messageId, link: links.length - 1 })}${after}`;
  });
  const pixel = `<img src="${o.publicUrl}/o/${trackingToken(o.keyring, { kind: 'o', messageId: o.messageId, link: 0 })}" width="1" height="1" alt="" style="display:block;border:0">`;
  return { html: /<\/body>/i.test(rewritten) ? rewritten.replace(/<\/body>/i, `${pixel}</body>`) : `${rewritten}${pixel}`, links };
}

/** A URL in plain text: up to whitespace or the punctuation that ends a Chinese or English sentence around it. */
const TEXT_URL = /https?:\/\/[^\s<>"'，。！？；、）】」]+?(?=[.,!?;:)]*(?:[\s<>"'，。！？；、）】」]|$))/g;

/**
 * Rewrites the http(s) links of an SMS (its text and an operator template's parameters) to short tracked links on
 * Patron's own address, numbered as an e-mail's are; the parts are counted again by the caller.
 */
export function trackTextLinks(
  text: string,
  params: Record<string, string> | null,
  o: { keyring: Keyring; messageId: number; publicUrl: string },
): { text: string; params: Record<string, string> | null; links: string[] } {
  const links: string[] = [];
  const shorten = (s: string) =>
    s.replace(TEXT_URL, (url) => {
      let index = links.indexOf(url);
      if (index < 0) index = links.push(url) - 1;
      return `${o.publicUrl}/l/${trackingToken(o.keyring, { kind: 'l', messageId: o.messageId, link: index })}`;
    });
  const out = shorten(text);
  return { text: out, params: params && Object.fromEntries(Object.entries(params).map(([k, v]) => [k, shorten(v)])), links };
}
