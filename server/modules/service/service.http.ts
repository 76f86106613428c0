import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { csatAnswerBody } from '../../../contracts/service.ts';
import { type PageLanguage, escapeHtml, htmlPage, languageOf } from '../../http/public-page.ts';
import { listenSmtp } from '../../http/smtp-listener.ts';
import type { AppContext } from '../../platform/context.ts';
import { answerFeedback, feedbackOf, readFeedbackToken } from './csat.ts';
import { receiveSupportMail } from './inbound.ts';

const TEXT = {
  'zh-CN': {
    title: '服务评价',
    ask: '您对本次服务满意吗？',
    about: '关于：{{subject}}',
    scale: ['非常不满意', '不满意', '一般', '满意', '非常满意'],
    comment: '还有什么想告诉我们的吗？（选填）',
    send: '提交评价',
    thanks: '谢谢您的评价！',
    invalid: '这个链接无效或已过期。',
    failed: '暂时无法提交，请稍后再试。',
  },
  en: {
    title: 'Rate our service',
    ask: 'How satisfied are you with the help you received?',
    about: 'About: {{subject}}',
    scale: ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'],
    comment: 'Anything else you would like to tell us? (optional)',
    send: 'Send',
    thanks: 'Thank you for your feedback!',
    invalid: 'This link is not valid or has expired.',
    failed: 'We cannot take this just now. Please try again later.',
  },
} as const;

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:30rem;margin:0 auto;padding:1rem;line-height:1.5;color:#222}' +
  '.scale{display:flex;gap:.4rem;margin:1rem 0}.scale label{flex:1;text-align:center;border:1px solid #ccc;border-radius:8px;padding:.6rem .2rem;font-size:.8rem}' +
  '.scale input{display:block;margin:0 auto .3rem}.scale b{display:block;font-size:1.4rem}textarea{width:100%;min-height:6rem;box-sizing:border-box}' +
  'button{margin-top:1rem;width:100%;padding:.8rem;border:0;border-radius:8px;background:#2b2d42;color:#fff;font-size:1rem}.muted{color:#666}';

const tokenParams = z.object({ token: z.string().min(10).max(200) });

function form(lang: PageLanguage, subject: string, rating: number | null, comment: string | null) {
  const t = TEXT[lang];
  const options = t.scale
    .map(
      (label, i) =>
        `<label><input type="radio" name="rating" value="${i + 1}" required${rating === i + 1 ? ' checked' : ''}><b>${i + 1}</b>${label}</label>`,
    )
    .join('');
  return `<h1>${t.ask}</h1><p class="muted">${escapeHtml(t.about.replace('{{subject}}', subject))}</p>
<form method="post"><div class="scale">${options}</div><p>${t.comment}</p><textarea name="comment" maxlength="2000">${escapeHtml(comment ?? '')}</textarea>
<button type="submit">${t.send}</button></form>`;
}

/**
 * The CSAT page (`/f/<signed token>`): a 1–5 rating and a comment, without signing in, mobile first, zh/en; a rating in
 * the link (`?rating=5`, from a one-click e-mail) is preselected. A forged token is a 404. With
 * PATRON_SUPPORT_SMTP_PORT set, Patron also takes customers' mail to the support address over SMTP there.
 */
export async function registerServiceHttp(app: FastifyInstance, ctx: AppContext) {
  const requestOf = async (token: unknown) => {
    const p = tokenParams.safeParse(token);
    const id = p.success ? readFeedbackToken(ctx.keyring, p.data.token) : null;
    return id === null ? null : feedbackOf(ctx.db, id);
  };
  app.get('/f/:token', async (request, reply) => {
    const lang = languageOf(request.headers['accept-language']);
    const page = (status: number, html: string) => htmlPage(reply, { status, lang, title: TEXT[lang].title, style: STYLE, body: html });
    const f = await requestOf(request.params);
    if (!f?.sent_at) return page(404, `<p>${TEXT[lang].invalid}</p>`);
    const pre = z.coerce
      .number()
      .int()
      .min(1)
      .max(5)
      .safeParse((request.query as { rating?: unknown }).rating);
    return page(200, form(lang, f.subject, pre.success ? pre.data : f.rating, f.comment));
  });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16_384 }, (_req, body, done) => done(null, body));
    scope.post('/f/:token', async (request, reply) => {
      const lang = languageOf(request.headers['accept-language']);
      const t = TEXT[lang];
      const page = (status: number, html: string) => htmlPage(reply, { status, lang, title: t.title, style: STYLE, body: html });
      const f = await requestOf(request.params);
      const fields = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
      const answer = csatAnswerBody.safeParse({ rating: fields.get('rating') ?? undefined, comment: fields.get('comment') ?? undefined });
      if (!f?.sent_at) return page(404, `<p>${t.invalid}</p>`);
      if (!answer.success) return page(400, form(lang, f.subject, null, null));
      const taken = await answerFeedback(ctx.db, Number(f.id), answer.data, ctx.clock.now());
      return taken ? page(200, `<h1>${t.thanks}</h1>`) : page(410, `<p>${t.invalid}</p>`);
    });
  });
  const port = ctx.config.supportSmtpPort;
  if (port !== undefined)
    await listenSmtp(app, { port, host: ctx.config.host, maxBytes: 25 * 1024 * 1024, what: 'support mail' }, async (raw) => ({
      ...(await receiveSupportMail(ctx, raw)),
    }));
}
