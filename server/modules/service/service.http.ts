import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { csatAnswerBody } from '../../../contracts/service.ts';
import { type PageLanguage, escapeHtml, htmlPage, languageOf } from '../../http/public-page.ts';
import { listenSmtp } from '../../http/smtp-listener.ts';
import type { AppContext } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors.ts';
import { answerFeedback, feedbackOf, readFeedbackToken } from './csat.ts';
import { receiveSupportMail } from './inbound.ts';
import { serviceSettingsOf } from './settings.ts';
import { openTicket } from './tickets.ts';

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

const FORM_TEXT = {
  'zh-CN': {
    title: '联系客服',
    intro: '请留下您的问题，我们会尽快通过邮件或短信回复您。',
    name: '称呼',
    email: '邮箱',
    phone: '手机号',
    order: '订单号（选填）',
    subject: '主题',
    message: '问题描述',
    send: '提交',
    thanks: '已收到，工单号 #{{id}}。我们会尽快回复您。',
    missing: '请填写主题、问题描述，以及邮箱或手机号。',
  },
  en: {
    title: 'Contact us',
    intro: 'Tell us what you need and we will answer by e-mail or SMS.',
    name: 'Name',
    email: 'E-mail',
    phone: 'Mobile',
    order: 'Order number (optional)',
    subject: 'Subject',
    message: 'Message',
    send: 'Send',
    thanks: 'Received: ticket #{{id}}. We will get back to you soon.',
    missing: 'Please give a subject, a message, and an e-mail or a mobile number.',
  },
} as const;

const formBody = z.object({
  name: z.string().trim().max(100).optional(),
  email: z.string().trim().max(320).optional(),
  phone: z.string().trim().max(40).optional(),
  order: z.string().trim().max(100).optional(),
  subject: z.string().trim().min(1).max(300),
  message: z.string().trim().min(1).max(10_000),
  // A field people never see: a bot that fills it is thanked and ignored.
  website: z.string().max(500).optional(),
});

function supportForm(lang: PageLanguage, error: string | null) {
  const t = FORM_TEXT[lang];
  const field = (name: string, label: string, type = 'text') =>
    `<p><label>${label}<br><input name="${name}" type="${type}" style="width:100%"></label></p>`;
  return `<h1>${t.title}</h1><p class="muted">${t.intro}</p>${error ? `<p style="color:#c00">${error}</p>` : ''}
<form method="post">${field('name', t.name)}${field('email', t.email, 'email')}${field('phone', t.phone, 'tel')}${field('order', t.order)}${field('subject', t.subject)}
<p><label>${t.message}<br><textarea name="message" maxlength="10000"></textarea></label></p>
<p style="position:absolute;left:-9999px"><input name="website" tabindex="-1" autocomplete="off"></p><button type="submit">${t.send}</button></form>`;
}

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
  // The web form (`/support`): a ticket from anyone, found or created by the e-mail or phone they give; 10 a minute
  // per address.
  app.get('/support', async (request, reply) => {
    const lang = languageOf(request.headers['accept-language']);
    return htmlPage(reply, { status: 200, lang, title: FORM_TEXT[lang].title, style: STYLE, body: supportForm(lang, null) });
  });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 65_536 }, (_req, body, done) => done(null, body));
    scope.post('/support', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (request, reply) => {
      const lang = languageOf(request.headers['accept-language']);
      const t = FORM_TEXT[lang];
      const page = (status: number, html: string) => htmlPage(reply, { status, lang, title: t.title, style: STYLE, body: html });
      const fields = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
      const parsed = formBody.safeParse(Object.fromEntries([...fields].filter(([, v]) => v !== '')));
      if (parsed.success && parsed.data.website === undefined && (parsed.data.email || parsed.data.phone)) {
        const f = parsed.data;
        const settings = await serviceSettingsOf(ctx.db);
        try {
          const { ticketId } = await ctx.db.transaction().execute((trx) =>
            openTicket(
              trx,
              { db: trx, keyring: ctx.keyring, now: ctx.clock.now(), settings },
              {
                subject: f.subject,
                body: f.message,
                type: f.order ? 'order' : 'other',
                priority: 'normal',
                channel: 'form',
                customer: { email: f.email, phone: f.phone, name: f.name },
                tags: [],
                orderRefs: f.order ? [f.order] : [],
                fields: {},
              },
              'customer',
            ),
          );
          return page(200, `<h1>${escapeHtml(t.thanks.replace('{{id}}', String(ticketId)))}</h1>`);
        } catch (err) {
          if (!isAppError(err)) throw err;
        }
      }
      if (parsed.success && parsed.data.website !== undefined) return page(200, `<h1>${escapeHtml(t.thanks.replace('{{id}}', '—'))}</h1>`);
      return page(400, supportForm(lang, t.missing));
    });
  });
  const port = ctx.config.supportSmtpPort;
  if (port !== undefined)
    await listenSmtp(app, { port, host: ctx.config.host, maxBytes: 25 * 1024 * 1024, what: 'support mail' }, async (raw) => ({
      ...(await receiveSupportMail(ctx, raw)),
    }));
}
