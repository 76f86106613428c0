import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SurveyQuestion } from '../../../contracts/surveys.ts';
import { type PageLanguage, PAGE_STYLE, escapeHtml, htmlPage, languageOf } from '../../http/public-page.ts';
import type { AppContext } from '../../platform/context.ts';
import { readSignedId } from '../../platform/signed-id.ts';
import { scaleOf } from './flow.ts';
import { type Respondent, answer, invitedKey, sheetOf } from './respond.ts';

const TEXT = {
  'zh-CN': {
    next: '下一题',
    done: '感谢您的反馈！',
    change: '修改我的回答',
    closed: '这份问卷已结束，感谢关注。',
    invalid: '这个链接无效。',
    required: '请先回答这道题。',
    wrong: '这个回答无效，请重新选择。',
    optional: '（选填）',
    low: { nps: '完全不可能', csat: '非常不满意', ces: '非常困难', rating: '最低' },
    high: { nps: '非常可能', csat: '非常满意', ces: '非常容易', rating: '最高' },
  },
  en: {
    next: 'Next',
    done: 'Thank you for your feedback!',
    change: 'Change my answers',
    closed: 'This survey has closed. Thank you.',
    invalid: 'This link is not valid.',
    required: 'Please answer this question first.',
    wrong: 'That answer is not valid, please choose again.',
    optional: '(optional)',
    low: { nps: 'Not at all likely', csat: 'Very dissatisfied', ces: 'Very difficult', rating: 'Lowest' },
    high: { nps: 'Extremely likely', csat: 'Very satisfied', ces: 'Very easy', rating: 'Highest' },
  },
} as const;

const STYLE = `${PAGE_STYLE}.scale{display:flex;flex-wrap:wrap;gap:.3rem;margin:1rem 0}.scale label{flex:1 0 2.4rem;text-align:center;border:1px solid #ccc;border-radius:8px;padding:.5rem 0;cursor:pointer}
.scale input{display:block;margin:0 auto .2rem}.ends{display:flex;justify-content:space-between;font-size:.8rem;color:#666}.choice{display:block;padding:.6rem;border:1px solid #ddd;border-radius:8px;margin:.4rem 0}
textarea{width:100%;min-height:7rem;box-sizing:border-box;font-size:1rem;padding:.5rem}table{width:100%;border-collapse:collapse;font-size:.9rem}td,th{text-align:center;padding:.3rem}td:first-child{text-align:left}
.err{color:#b00020}.progress{height:6px;background:#eee;border-radius:3px;overflow:hidden}.progress i{display:block;height:100%;background:#2b2d42}`;

const tokenParams = z.object({ token: z.string().min(10).max(200) });
const COOKIE = 'patron_survey';

function questionHtml(q: SurveyQuestion, lang: PageLanguage, current: unknown): string {
  const t = TEXT[lang];
  const scale = scaleOf(q);
  const checked = (v: string) => ((Array.isArray(current) ? current.includes(v) : String(current ?? '') === v) ? ' checked' : '');
  if (scale) {
    const kind = q.type === 'nps' || q.type === 'csat' || q.type === 'ces' ? q.type : 'rating';
    const options = Array.from({ length: scale[1] - scale[0] + 1 }, (_, i) => String(scale[0] + i))
      .map((v) => `<label><input type="radio" name="value" value="${v}"${checked(v)}>${v}</label>`)
      .join('');
    return `<div class="scale" role="radiogroup">${options}</div><div class="ends"><span>${t.low[kind]}</span><span>${t.high[kind]}</span></div>`;
  }
  switch (q.type) {
    case 'single':
    case 'multiple':
      return q.choices
        .map(
          (c) =>
            `<label class="choice"><input type="${q.type === 'single' ? 'radio' : 'checkbox'}" name="value" value="${c.key}"${checked(c.key)}> ${escapeHtml(c.text[lang])}</label>`,
        )
        .join('');
    case 'matrix': {
      const cur = (current ?? {}) as Record<string, number>;
      const head = Array.from({ length: q.scale }, (_, i) => `<th>${i + 1}</th>`).join('');
      const rows = q.rows
        .map(
          (r) =>
            `<tr><td>${escapeHtml(r.text[lang])}</td>${Array.from({ length: q.scale }, (_, i) => `<td><input type="radio" name="row_${r.key}" value="${i + 1}"${cur[r.key] === i + 1 ? ' checked' : ''} aria-label="${escapeHtml(r.text[lang])} ${i + 1}"></td>`).join('')}</tr>`,
        )
        .join('');
      return `<table><tr><th></th>${head}</tr>${rows}</table>`;
    }
    case 'text':
      return `<textarea name="value" maxlength="${q.maxLength}">${escapeHtml(typeof current === 'string' ? current : '')}</textarea>`;
    default:
      return '';
  }
}

/**
 * The public response page, phone first and without script: `/s/<token>` for an invited person, `/s/open/<token>`
 * for the survey's anonymous link (one response per browser, kept by a cookie). One question at a time, in the order
 * the answers lead; every answer is saved as it is given; `?q=<id>` goes back to one while the survey is open.
 */
export async function registerSurveyPages(app: FastifyInstance, ctx: AppContext) {
  async function respondentOf(request: FastifyRequest, reply: FastifyReply, open: boolean): Promise<Respondent | null> {
    const p = tokenParams.safeParse(request.params);
    if (!p.success) return null;
    if (!open) {
      const invitationId = readSignedId(ctx.keyring, 'survey', p.data.token);
      if (invitationId === null) return null;
      const inv = await ctx.db
        .selectFrom('survey_invitations')
        .select(['survey_id', 'customer_id', 'subject'])
        .where('id', '=', invitationId)
        .executeTakeFirst();
      if (!inv) return null;
      const customerId = Number(inv.customer_id);
      return { surveyId: Number(inv.survey_id), key: invitedKey(customerId, inv.subject), customerId, invitationId, subject: inv.subject };
    }
    const surveyId = readSignedId(ctx.keyring, 'survey-open', p.data.token);
    if (surveyId === null) return null;
    const s = await ctx.db.selectFrom('surveys').select('anonymous_link').where('id', '=', surveyId).executeTakeFirst();
    if (!s?.anonymous_link) return null;
    const cookies = Object.fromEntries((request.headers.cookie ?? '').split(/;\s*/).map((c) => c.split('=') as [string, string]));
    let key = cookies[`${COOKIE}_${surveyId}`];
    if (!key || !/^[a-f0-9]{32}$/.test(key)) {
      key = randomBytes(16).toString('hex');
      reply.header('set-cookie', `${COOKIE}_${surveyId}=${key}; Path=/s/; Max-Age=31536000; HttpOnly; SameSite=Lax`);
    }
    return { surveyId, key: `a:${key}`, customerId: null, invitationId: null, subject: '' };
  }

  const show = async (request: FastifyRequest, reply: FastifyReply, open: boolean, problem?: 'required' | 'invalid') => {
    const lang = languageOf(request.headers['accept-language']);
    const t = TEXT[lang];
    const page = (status: number, title: string, html: string) => htmlPage(reply, { status, lang, title, style: STYLE, body: html });
    const r = await respondentOf(request, reply, open);
    if (!r) return page(404, t.invalid, `<p>${t.invalid}</p>`);
    const sheet = await sheetOf(ctx.db, r);
    const title = sheet.survey.title[lang];
    if (sheet.survey.status !== 'open') return page(200, title, `<h1>${escapeHtml(title)}</h1><p>${t.closed}</p>`);
    const wanted = z.object({ q: z.string().max(40).optional() }).safeParse(request.query);
    const asked =
      wanted.success && wanted.data.q ? sheet.survey.questions.find((q) => q.id === wanted.data.q && sheet.path.includes(q.id)) : undefined;
    const q = asked ?? sheet.next;
    if (!q)
      return page(
        200,
        title,
        `<h1>${escapeHtml(title)}</h1><p>${t.done}</p><p><a href="${request.url.split('?')[0]}?q=${sheet.survey.questions[0].id}">${t.change}</a></p>`,
      );
    const done = sheet.path.length / Math.max(1, sheet.path.length + (sheet.next ? 1 : 0) + 1);
    const intro = sheet.path.length === 0 && sheet.survey.intro[lang] ? `<p class="muted">${escapeHtml(sheet.survey.intro[lang])}</p>` : '';
    return page(
      problem ? 400 : 200,
      title,
      `<h1>${escapeHtml(title)}</h1>${intro}<div class="progress"><i style="width:${Math.round(done * 100)}%"></i></div>
<form method="post" action="${request.url.split('?')[0]}"><input type="hidden" name="q" value="${q.id}">
<h2>${escapeHtml(q.text[lang])}${q.required ? '' : ` <small class="muted">${t.optional}</small>`}</h2>${questionHtml(q, lang, sheet.answers[q.id])}
${problem ? `<p class="err" role="alert">${problem === 'required' ? t.required : t.wrong}</p>` : ''}<button type="submit">${t.next}</button></form>`,
    );
  };

  const take = async (request: FastifyRequest, reply: FastifyReply, open: boolean) => {
    const r = await respondentOf(request, reply, open);
    if (!r) return show(request, reply, open);
    const form = (request.body ?? {}) as Record<string, string | string[]>;
    const q = typeof form.q === 'string' ? form.q : '';
    const problem = await answer(ctx.db, r, q, form, ctx.clock.now());
    if (problem === 'required' || problem === 'invalid') return show(request, reply, open, problem);
    return reply.redirect(request.url.split('?')[0], 303);
  };

  app.get('/s/open/:token', (request, reply) => show(request, reply, true));
  app.get('/s/:token', (request, reply) => show(request, reply, false));
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 65_536 }, (_req, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(String(body))) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, out);
    });
    scope.post('/s/open/:token', { config: { rateLimit: { max: 60, timeWindow: 60_000 } } }, (request, reply) =>
      take(request, reply, true),
    );
    scope.post('/s/:token', { config: { rateLimit: { max: 60, timeWindow: 60_000 } } }, (request, reply) => take(request, reply, false));
  });
}
