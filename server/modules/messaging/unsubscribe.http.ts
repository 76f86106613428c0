import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { type PageLanguage, escapeHtml, htmlPage, languageOf } from '../../http/public-page.ts';
import { isAppError } from '../../platform/errors.ts';
import { currentCustomerId } from '../customers/index.ts';
import { consentedAmong, recordConsent } from '../privacy/index.ts';
import { recordMessageEvents } from './timeline.ts';
import { readUnsubscribeToken } from './unsubscribe.ts';

const TEXT = {
  'zh-CN': {
    title: '消息偏好',
    ask: '不再接收我们的营销{{channel}}？',
    button: '退订',
    done: '已退订：您不会再收到我们的营销{{channel}}。',
    invalid: '这个退订链接无效。',
    failed: '暂时无法处理，请稍后再试。',
    preferences: '或者选择您愿意接收的内容：',
    marketing: '优惠和活动（营销{{channel}}）',
    transactional: '订单、物流和售后通知会照常发送：它们是完成您的订单所需要的。',
    save: '保存',
    saved: '已保存您的偏好。',
    email: '邮件',
    sms: '短信',
  },
  en: {
    title: 'Message preferences',
    ask: 'Stop receiving our marketing {{channel}}?',
    button: 'Unsubscribe',
    done: 'Done: you will receive no more marketing {{channel}} from us.',
    invalid: 'This unsubscribe link is not valid.',
    failed: 'We could not do this just now. Please try again later.',
    preferences: 'Or choose what you would like to receive:',
    marketing: 'Offers and news (marketing {{channel}})',
    transactional: 'Order, delivery and after-sales notices still come: they are needed to fulfil your orders.',
    save: 'Save',
    saved: 'Your preferences are saved.',
    email: 'e-mail',
    sms: 'text messages',
  },
} as const;

const CHANNELS = ['email', 'sms'] as const;
type Channel = (typeof CHANNELS)[number];

const tokenParams = z.object({ token: z.string().min(10).max(200) });
const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}label{display:block;padding:.5rem 0;font-size:1.05rem}input{width:1.2rem;height:1.2rem;vertical-align:middle;margin-right:.5rem}.note{color:#555;font-size:.9rem}';

const page = (reply: FastifyReply, status: number, lang: PageLanguage, body: string) =>
  htmlPage(reply, { status, lang, title: TEXT[lang].title, style: STYLE, body });

const form = (body: unknown) => new URLSearchParams(Buffer.isBuffer(body) ? body.toString('utf8') : '');

/**
 * The unsubscribe link of every marketing message (`/u/<signed token>`), needing no sign-in. POST with nothing but
 * RFC 8058's `List-Unsubscribe=One-Click` (or the page's button) withdraws the link's channel at once; GET shows a
 * mobile-first page with that button and the person's preferences per purpose and channel (marketing by e-mail and
 * by SMS; transactional notices are not optional and say so), saved by a POST with `prefs`. Every change is a
 * consent-ledger entry with its evidence. A forged or altered token is a 404.
 */
export async function registerUnsubscribe(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const claimOf = (params: unknown) => {
      const parsed = tokenParams.safeParse(params);
      return parsed.success ? readUnsubscribeToken(ctx.keyring, parsed.data.token) : null;
    };
    /** The person the link now stands for: a merged person answers on the profile they became; an erased one is gone. */
    const personOf = (customerId: number) => currentCustomerId(ctx.db, customerId).catch(() => null);
    const subscribed = async (customerId: number) =>
      new Map(
        await Promise.all(
          CHANNELS.map(async (c) => [c, (await consentedAmong(ctx.db, [customerId], c, 'marketing')).has(customerId)] as const),
        ),
      );
    const record = async (
      customerId: number,
      change: { channel: Channel; status: 'granted' | 'withdrawn'; source: string; evidence: string; oneClick: boolean; ip: string },
    ) => {
      const { channel, status, source, evidence, oneClick } = change;
      await recordConsent(ctx.db, {
        customerId,
        consent: { channel, purpose: 'marketing', status, source, evidence },
        actor: { type: 'system', id: null, label: source, ip: change.ip },
      });
      if (status === 'withdrawn')
        await recordMessageEvents(ctx.db, [
          { customerId, kind: 'unsubscribed', messageId: null, properties: { channel, oneClick }, at: ctx.clock.now(), once: false },
        ]);
    };
    const guarded =
      (handler: (request: FastifyRequest, reply: FastifyReply, lang: 'zh-CN' | 'en') => Promise<unknown>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const lang = languageOf(request.headers['accept-language']);
        try {
          return await handler(request, reply, lang);
        } catch (err) {
          if (isAppError(err) && err.kind === 'not_found') return page(reply, 404, lang, `<p>${TEXT[lang].invalid}</p>`);
          request.log.error({ err }, 'unsubscribe failed');
          return page(reply, 503, lang, `<p>${TEXT[lang].failed}</p>`);
        }
      };

    scope.get(
      '/u/:token',
      guarded(async (request, reply, lang) => {
        const t = TEXT[lang];
        const claim = claimOf(request.params);
        if (!claim) return page(reply, 404, lang, `<p>${t.invalid}</p>`);
        const customerId = await personOf(claim.customerId);
        const current = customerId === null ? null : await subscribed(customerId);
        const boxes = CHANNELS.map(
          (c) =>
            `<label><input type="checkbox" name="${c}"${current?.get(c) ? ' checked' : ''}>${escapeHtml(t.marketing.replace('{{channel}}', t[c]))}</label>`,
        ).join('');
        return page(
          reply,
          200,
          lang,
          `<h1>${t.title}</h1><p>${escapeHtml(t.ask.replace('{{channel}}', t[claim.channel]))}</p><form method="post"><button type="submit">${t.button}</button></form>` +
            (current
              ? `<hr><p>${t.preferences}</p><form method="post" action=""><input type="hidden" name="prefs" value="1">${boxes}<p class="note">${t.transactional}</p><button type="submit">${t.save}</button></form>`
              : ''),
        );
      }),
    );
    scope.post(
      '/u/:token',
      guarded(async (request, reply, lang) => {
        const t = TEXT[lang];
        const claim = claimOf(request.params);
        if (!claim) return page(reply, 404, lang, `<p>${t.invalid}</p>`);
        const fields = form(request.body);
        const oneClick = fields.get('List-Unsubscribe') === 'One-Click';
        const evidence = (how: string) => `${how} from ${request.ip}, ${request.headers['user-agent'] ?? 'unknown agent'}`.slice(0, 500);
        const customerId = await personOf(claim.customerId);
        if (fields.get('prefs') === '1') {
          if (customerId !== null) {
            const current = await subscribed(customerId);
            for (const c of CHANNELS) {
              const wanted = fields.has(c);
              if (wanted !== current.get(c))
                await record(customerId, {
                  channel: c,
                  status: wanted ? 'granted' : 'withdrawn',
                  source: 'preference page',
                  evidence: evidence('preference page'),
                  oneClick: false,
                  ip: request.ip,
                });
            }
          }
          return page(reply, 200, lang, `<h1>${t.title}</h1><p>${t.saved}</p>`);
        }
        if (customerId !== null)
          await record(customerId, {
            channel: claim.channel,
            status: 'withdrawn',
            source: 'unsubscribe link',
            evidence: evidence(oneClick ? 'one-click (RFC 8058)' : 'unsubscribe page'),
            oneClick,
            ip: request.ip,
          });
        return page(reply, 200, lang, `<h1>${t.title}</h1><p>${escapeHtml(t.done.replace('{{channel}}', t[claim.channel]))}</p>`);
      }),
    );
  });
}
