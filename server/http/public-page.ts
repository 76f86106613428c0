import type { FastifyReply } from 'fastify';

/** Pages people open from a message link, without signing in: mobile first, in their language. */
export type PageLanguage = 'zh-CN' | 'en';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The look every public page starts from: one readable column, phone first, a full-width dark button. */
export const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:30rem;margin:0 auto;padding:1rem;line-height:1.5;color:#222}' +
  'button{margin-top:1rem;width:100%;padding:.8rem;border:0;border-radius:8px;background:#2b2d42;color:#fff;font-size:1rem}' +
  'button.secondary{background:#fff;color:#2b2d42;border:1px solid #2b2d42}.muted{color:#666}';

/** English when the browser asks for it first, else Simplified Chinese. */
export const languageOf = (accept: string | undefined): PageLanguage => (accept && /^\s*en/i.test(accept) ? 'en' : 'zh-CN');

export function htmlPage(reply: FastifyReply, p: { status: number; lang: PageLanguage; title: string; style: string; body: string }) {
  return reply
    .status(p.status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html><html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(p.title)}</title>
<style>${p.style}</style></head>
<body>${p.body}</body></html>`);
}
