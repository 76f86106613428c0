import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors.ts';
import { currentCustomerId } from '../customers/index.ts';
import { recordConsent } from '../privacy/index.ts';
import { recordMessageEvents } from './timeline.ts';
import { readUnsubscribeToken } from './unsubscribe.ts';

const TEXT = {
  'zh-CN': {
    title: '退订',
    ask: '不再接收我们的营销{{channel}}？',
    button: '退订',
    done: '已退订：您不会再收到我们的营销{{channel}}。',
    invalid: '这个退订链接无效。',
    email: '邮件',
    sms: '短信',
  },
  en: {
    title: 'Unsubscribe',
    ask: 'Stop receiving our marketing {{channel}}?',
    button: 'Unsubscribe',
    done: 'Done: you will receive no more marketing {{channel}} from us.',
    invalid: 'This unsubscribe link is not valid.',
    email: 'e-mail',
    sms: 'text messages',
  },
} as const;

const tokenParams = z.object({ token: z.string().min(10).max(200) });
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(reply: FastifyReply, status: number, lang: 'zh-CN' | 'en', body: string) {
  const t = TEXT[lang];
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${t.title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}</style></head>
<body>${body}</body></html>`);
}

const languageOf = (accept: string | undefined): 'zh-CN' | 'en' => (accept && /^\s*en/i.test(accept) ? 'en' : 'zh-CN');

/**
 * The unsubscribe link of every marketing message (`/u/<signed token>`), needing no sign-in. POST is RFC 8058's
 * one-click unsubscribe (List-Unsubscribe-Post), done at once; GET shows a page with one button. Either records a
 * withdrawal in the consent ledger with its evidence. A forged or altered token is a 404.
 */
export async function registerUnsubscribe(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const claimOf = (params: unknown) => {
      const parsed = tokenParams.safeParse(params);
      return parsed.success ? readUnsubscribeToken(ctx.keyring, parsed.data.token) : null;
    };
    scope.get('/u/:token', async (request, reply) => {
      const lang = languageOf(request.headers['accept-language']);
      const t = TEXT[lang];
      const claim = claimOf(request.params);
      if (!claim) return page(reply, 404, lang, `<p>${t.invalid}</p>`);
      const channel = t[claim.channel];
      return page(
        reply,
        200,
        lang,
        `<h1>${t.title}</h1><p>${escapeHtml(t.ask.replace('{{channel}}', channel))}</p><form method="post"><button type="submit">${t.button}</button></form>`,
      );
    });
    scope.post('/u/:token', async (request, reply) => {
      const lang = languageOf(request.headers['accept-language']);
      const t = TEXT[lang];
      const claim = claimOf(request.params);
      if (!claim) return page(reply, 404, lang, `<p>${t.invalid}</p>`);
      const oneClick = Buffer.isBuffer(request.body) && request.body.toString('utf8').includes('List-Unsubscribe=One-Click');
      const evidence =
        `${oneClick ? 'one-click (RFC 8058)' : 'unsubscribe page'} from ${request.ip}, ${request.headers['user-agent'] ?? 'unknown agent'}`.slice(
          0,
          500,
        );
      // A person merged since the message was sent withdraws on the profile they became; an erased one has nothing left to withdraw.
      const customerId = await currentCustomerId(ctx.db, claim.customerId).catch(() => null);
      if (customerId !== null) {
        await recordConsent(ctx.db, {
          customerId,
          consent: { channel: claim.channel, purpose: 'marketing', status: 'withdrawn', source: 'unsubscribe link', evidence },
          actor: { type: 'system', id: null, label: 'unsubscribe link', ip: request.ip },
        })
          .then(() =>
            recordMessageEvents(ctx.db, [
              {
                customerId,
                kind: 'unsubscribed',
                messageId: null,
                properties: { channel: claim.channel, oneClick },
                at: ctx.clock.now(),
                once: false,
              },
            ]),
          )
          .catch((err: unknown) => {
            if (!(isAppError(err) && err.kind === 'not_found')) throw err;
          });
      }
      return page(reply, 200, lang, `<h1>${t.title}</h1><p>${escapeHtml(t.done.replace('{{channel}}', t[claim.channel]))}</p>`);
    });
  });
}
