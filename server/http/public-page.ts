import type { FastifyReply } from 'fastify';

/** Pages people open from a message link, without signing in: mobile first, in their language. */
export type PageLanguage = 'zh-CN' | 'en';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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
