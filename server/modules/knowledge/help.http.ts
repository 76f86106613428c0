import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type KbLanguage, botAskBody } from '../../../contracts/knowledge.ts';
import { PAGE_STYLE, escapeHtml, htmlPage, languageOf } from '../../http/public-page.ts';
import type { AppContext } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors.ts';
import { storeSettingsOf } from '../system/index.ts';
import { articleOf, listCategories, rateArticle } from './articles.ts';
import { askBot } from './bot.ts';
import { searchArticles } from './search.ts';

const TEXT = {
  'zh-CN': {
    title: '帮助中心',
    search: '搜索问题，例如“退货”“运费险”',
    go: '搜索',
    results: '“{{q}}”的搜索结果',
    none: '没有找到相关文章。试试其他关键词，或问问下面的智能客服。',
    categories: '分类',
    helpful: '这篇文章对您有帮助吗？',
    yes: '有帮助',
    no: '没帮助',
    thanks: '感谢您的反馈！',
    ask: '问问智能客服',
    askPlaceholder: '输入您的问题',
    contact: '联系人工客服',
    back: '返回帮助中心',
    notFound: '没有找到这篇文章。',
  },
  en: {
    title: 'Help centre',
    search: 'Search, e.g. "return" or "shipping"',
    go: 'Search',
    results: 'Results for “{{q}}”',
    none: 'No article found. Try other words, or ask the bot below.',
    categories: 'Categories',
    helpful: 'Was this article helpful?',
    yes: 'Yes',
    no: 'No',
    thanks: 'Thank you for your feedback!',
    ask: 'Ask our bot',
    askPlaceholder: 'Type your question',
    contact: 'Contact a person',
    back: 'Back to the help centre',
    notFound: 'This article was not found.',
  },
} as const;

const STYLE = `${PAGE_STYLE}form.search{display:flex;gap:.4rem}form.search input{flex:1;padding:.7rem;font-size:1rem;border:1px solid #ccc;border-radius:8px}
form.search button,.rate button{width:auto;margin:0;padding:.7rem 1rem}.hit{display:block;padding:.7rem 0;border-bottom:1px solid #eee;color:inherit;text-decoration:none}
.hit b{color:#1d4ed8}.cats a{display:inline-block;margin:.2rem .4rem .2rem 0;padding:.3rem .7rem;border:1px solid #ddd;border-radius:999px;color:inherit;text-decoration:none}
.rate{display:flex;gap:.5rem;align-items:center}.bot{margin-top:2rem;border-top:1px solid #eee}.bot .log div{margin:.4rem 0;white-space:pre-wrap}.bot .log .me{text-align:right;color:#1d4ed8}
article img{max-width:100%}nav{margin-bottom:1rem}`;

const langQuery = z.object({ lang: z.enum(['zh-CN', 'en']).optional(), q: z.string().trim().max(200).optional() });
const slugParams = z.object({ slug: z.string().min(1).max(80) });
const rateBody = z.object({ helpful: z.enum(['yes', 'no']) });

function langOf(request: FastifyRequest): KbLanguage {
  const q = langQuery.safeParse(request.query);
  return (q.success && q.data.lang) || languageOf(request.headers['accept-language']);
}

/** The bot box: asks `/help/ask` as this reader (an id kept in localStorage) and shows the answer with its links. */
const botBox = (lang: KbLanguage) => {
  const t = TEXT[lang];
  return `<section class="bot" data-lang="${lang}" data-contact="${t.contact}"><h2>${t.ask}</h2><div class="log" aria-live="polite"></div>
<form class="search ask"><input name="text" placeholder="${t.askPlaceholder}" autocomplete="off" maxlength="1000"><button>${t.go}</button></form>
<p><a href="/support">${t.contact}</a></p></section><script src="/help/bot.js" defer></script>`;
};

/** The bot box's script, a file of its own (the content security policy runs no inline script). */
const BOT_SCRIPT = `(() => {
  let visitor = localStorage.getItem('patron_help_visitor');
  if (!visitor) { visitor = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)); localStorage.setItem('patron_help_visitor', visitor); }
  const box = document.querySelector('.bot');
  if (!box) return;
  const log = box.querySelector('.log');
  const line = (text, cls) => { const d = document.createElement('div'); d.className = cls; d.textContent = text; log.appendChild(d); return d; };
  document.querySelector('form.ask').onsubmit = async (e) => {
    e.preventDefault();
    const input = e.target.text; const text = input.value.trim(); if (!text) return; input.value = '';
    line(text, 'me');
    const res = await fetch('/help/ask', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ visitor, text, language: box.dataset.lang }) });
    const a = await res.json().catch(() => null);
    if (!a || !res.ok) return;
    const d = line(a.text, 'bot');
    for (const x of a.articles) if (x.url) { const l = document.createElement('a'); l.href = x.url; l.textContent = ' → ' + x.title; d.appendChild(document.createElement('br')); d.appendChild(l); }
    if (a.handoff) { const l = document.createElement('a'); l.href = '/support'; l.textContent = ' → ' + box.dataset.contact; d.appendChild(document.createElement('br')); d.appendChild(l); }
  };
})();
`;

/**
 * The public help centre, phone first: `/help` (search box, categories, the bot), `/help/search?q=`, `/help/c/<slug>`,
 * `/help/a/<slug>` with "was this helpful?"; `/help/ask` is the bot's JSON endpoint. `?lang=en` or the browser picks
 * the language; an article shows in it when written in it.
 */
export async function registerHelpCentre(app: FastifyInstance, ctx: AppContext) {
  const page = async (reply: FastifyReply, lang: KbLanguage, status: number, title: string, body: string) => {
    const store = await storeSettingsOf(ctx);
    const t = TEXT[lang];
    const head = `<nav><a href="/help?lang=${lang}">${escapeHtml(store.name)} · ${t.title}</a></nav>
<form class="search" action="/help/search"><input type="hidden" name="lang" value="${lang}"><input name="q" type="search" placeholder="${t.search}" aria-label="${t.search}"><button>${t.go}</button></form>`;
    return htmlPage(reply, { status, lang, title: `${title} · ${store.name}`, style: STYLE, body: `${head}${body}` });
  };
  const hitList = (hits: { slug: string; language: KbLanguage; title: string; snippet: string }[]) =>
    hits
      .map(
        (h) =>
          `<a class="hit" href="/help/a/${h.slug}?lang=${h.language}"><b>${escapeHtml(h.title)}</b><br><small class="muted">${escapeHtml(h.snippet)}</small></a>`,
      )
      .join('');

  app.get('/help/bot.js', async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(BOT_SCRIPT),
  );

  app.get('/help', async (request, reply) => {
    const lang = langOf(request);
    const t = TEXT[lang];
    const cats = (await listCategories(ctx.db)).items.filter((c) => c.articles > 0);
    const catHtml = cats.map((c) => `<a href="/help/c/${c.slug}?lang=${lang}">${escapeHtml(c.names[lang])} (${c.articles})</a>`).join('');
    return page(
      reply,
      lang,
      200,
      t.title,
      `<h1>${t.title}</h1>${cats.length ? `<h2>${t.categories}</h2><div class="cats">${catHtml}</div>` : ''}${botBox(lang)}`,
    );
  });

  app.get('/help/search', async (request, reply) => {
    const lang = langOf(request);
    const t = TEXT[lang];
    const q = langQuery.safeParse(request.query);
    const text = q.success ? (q.data.q ?? '') : '';
    if (!text) return reply.redirect(`/help?lang=${lang}`);
    const hits = await searchArticles(ctx.db, ctx.config.publicUrl, {
      q: text,
      limit: 10,
      internal: false,
      source: 'help',
      now: ctx.clock.now(),
    });
    const preferred = [...hits.filter((h) => h.language === lang), ...hits.filter((h) => h.language !== lang)];
    return page(
      reply,
      lang,
      200,
      t.title,
      `<h1>${escapeHtml(t.results.replace('{{q}}', text))}</h1>${preferred.length ? hitList(preferred) : `<p>${t.none}</p>`}${botBox(lang)}`,
    );
  });

  app.get('/help/c/:slug', async (request, reply) => {
    const lang = langOf(request);
    const t = TEXT[lang];
    const p = slugParams.safeParse(request.params);
    const cat = p.success ? (await listCategories(ctx.db)).items.find((c) => c.slug === p.data.slug) : undefined;
    if (!cat) return page(reply, lang, 404, t.title, `<p>${t.notFound}</p>`);
    const rows = await ctx.db
      .selectFrom('kb_articles as a')
      .innerJoin('kb_article_texts as x', 'x.article_id', 'a.id')
      .select(['a.slug', 'x.language', 'x.title'])
      .where('a.category_id', '=', cat.id)
      .where('a.status', '=', 'published')
      .where('a.visibility', '=', 'public')
      .orderBy('a.id')
      .execute();
    const bySlug = new Map<string, string>();
    for (const r of rows) if (!bySlug.has(r.slug) || r.language === lang) bySlug.set(r.slug, r.title);
    const list = [...bySlug]
      .map(([slug, title]) => `<a class="hit" href="/help/a/${slug}?lang=${lang}"><b>${escapeHtml(title)}</b></a>`)
      .join('');
    return page(reply, lang, 200, cat.names[lang], `<h1>${escapeHtml(cat.names[lang])}</h1>${list}`);
  });

  app.get('/help/a/:slug', async (request, reply) => {
    const lang = langOf(request);
    const t = TEXT[lang];
    const p = slugParams.safeParse(request.params);
    try {
      if (!p.success) throw new Error('slug');
      const a = await articleOf(ctx.db, ctx.config.publicUrl, { slug: p.data.slug, publicOnly: true });
      const text = a.texts[lang] ?? a.texts['zh-CN'] ?? a.texts.en;
      if (!text) throw new Error('text');
      return page(
        reply,
        lang,
        200,
        text.title,
        `<article><h1>${escapeHtml(text.title)}</h1>${text.html}</article>
<form class="rate" method="post" action="/help/a/${a.slug}/rate?lang=${lang}"><span>${t.helpful}</span><button name="helpful" value="yes">${t.yes}</button><button name="helpful" value="no" class="secondary">${t.no}</button></form>
<p><a href="/help?lang=${lang}">${t.back}</a></p>${botBox(lang)}`,
      );
    } catch (err) {
      if (err instanceof Error && !isAppError(err) && err.message !== 'slug' && err.message !== 'text') throw err;
      return page(reply, lang, 404, t.title, `<p>${t.notFound}</p>`);
    }
  });

  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.post('/help/a/:slug/rate', { config: { rateLimit: { max: 20, timeWindow: 60_000 } } }, async (request, reply) => {
      const lang = langOf(request);
      const p = slugParams.safeParse(request.params);
      const b = rateBody.safeParse(request.body);
      if (!p.success || !b.success) return page(reply, lang, 400, TEXT[lang].title, `<p>${TEXT[lang].notFound}</p>`);
      try {
        await rateArticle(ctx.db, p.data.slug, b.data.helpful === 'yes');
      } catch (err) {
        if (!isAppError(err)) throw err;
        return page(reply, lang, 404, TEXT[lang].title, `<p>${TEXT[lang].notFound}</p>`);
      }
      return page(
        reply,
        lang,
        200,
        TEXT[lang].title,
        `<p>${TEXT[lang].thanks}</p><p><a href="/help/a/${p.data.slug}?lang=${lang}">${TEXT[lang].back}</a></p>`,
      );
    });
  });

  app.post('/help/ask', { config: { rateLimit: { max: 30, timeWindow: 60_000 } } }, async (request, reply) => {
    const b = botAskBody.safeParse(request.body);
    if (!b.success) return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: b.error.issues[0]?.message ?? '' } });
    const { conversationId: _id, ...answer } = await askBot(ctx, { ...b.data, channel: 'help', customerId: null });
    return answer;
  });
}
