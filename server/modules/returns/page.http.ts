import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { customerReturnBody, RETURN_MOVES } from '../../../contracts/returns.ts';
import { type PageLanguage, PAGE_STYLE, escapeHtml, htmlPage, languageOf } from '../../http/public-page.ts';
import type { AppContext } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors.ts';
import { storeSettingsOf } from '../system/index.ts';
import { returnDetail } from './queries.ts';
import { createReturn, move, returnEnvOf, returnableOf } from './requests.ts';
import { returnSettingsOf } from './settings.ts';
import { STATE_NAMES, readReturnOrderToken, readReturnToken, returnPath } from './templates.ts';

const TEXT = {
  'zh-CN': {
    title: '退换货',
    ask: '申请退换货',
    order: '订单',
    lines: '选择要退的商品和数量',
    reason: '原因',
    note: '补充说明（选填）',
    photos: '照片（选填，最多 6 张）',
    refundOnly: '仅退款（无需寄回商品）',
    submit: '提交申请',
    closed: '这个订单已过退换货期限。',
    nothing: '这个订单没有可以退的商品了。',
    invalid: '这个链接无效。',
    failed: '提交失败：',
    state: '当前状态',
    ship: '填写退货物流',
    carrier: '快递公司',
    tracking: '运单号',
    send: '提交物流信息',
    cancel: '撤销申请',
    history: '进度',
    refund: '退款金额',
    points: '补偿积分',
    coupon: '优惠券',
    exchange: '换货订单已创建',
  },
  en: {
    title: 'Returns',
    ask: 'Return or exchange',
    order: 'Order',
    lines: 'Choose the items and how many',
    reason: 'Reason',
    note: 'Anything to add (optional)',
    photos: 'Photos (optional, up to 6)',
    refundOnly: 'Refund only (nothing to send back)',
    submit: 'Send request',
    closed: 'The return window for this order has closed.',
    nothing: 'Nothing of this order can be returned any more.',
    invalid: 'This link is not valid.',
    failed: 'Not sent: ',
    state: 'Status',
    ship: 'Tell us how you sent it',
    carrier: 'Carrier',
    tracking: 'Tracking number',
    send: 'Send',
    cancel: 'Withdraw the request',
    history: 'Progress',
    refund: 'Refund',
    points: 'Points credited',
    coupon: 'Coupon',
    exchange: 'A replacement order was created',
  },
} as const;

const STYLE = `${PAGE_STYLE}label{display:block;margin:.6rem 0}.line{display:flex;gap:.5rem;align-items:center;border-bottom:1px solid #eee;padding:.4rem 0}.line span{flex:1}
input[type=number]{width:4rem}select,input[type=text],textarea{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}.state{font-size:1.3rem;font-weight:700}
.err{color:#b00020}li{margin:.2rem 0}`;

const tokenParams = z.object({ token: z.string().min(10).max(200) });
const shipBody = z.strictObject({ carrier: z.string().trim().min(1).max(60), trackingNumber: z.string().trim().min(3).max(60) });

/** Posts the form as JSON (photos read as base64) and follows the answer's link; shows the error's message otherwise. */
const SUBMIT_SCRIPT = `(() => {
const f = document.querySelector('form');
f.onsubmit = async (e) => {
  e.preventDefault();
  const data = new FormData(f);
  const body = f.dataset.kind === 'ask'
    ? { reason: data.get('reason'), note: data.get('note') || '', refundOnly: data.get('refundOnly') === 'on',
        lines: [...f.querySelectorAll('input[data-item]')].filter((i) => Number(i.value) > 0).map((i) => ({ orderItemId: Number(i.dataset.item), quantity: Number(i.value) })),
        photos: await Promise.all([...(f.querySelector('input[type=file]').files || [])].slice(0, 6).map((file) => new Promise((ok) => {
          const r = new FileReader(); r.onload = () => ok({ fileName: file.name, contentType: file.type, data: String(r.result).split(',')[1] }); r.readAsDataURL(file); }))) }
    : Object.fromEntries(data);
  const res = await fetch(location.pathname + (e.submitter && e.submitter.name === 'cancel' ? '/cancel' : ''), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = await res.json().catch(() => ({}));
  if (res.ok) location.href = out.url || location.href; else document.querySelector('.err').textContent = f.dataset.failed + (out.error ? out.error.message : res.status);
};
})();
`;
/** The pages' script is a file of Patron's own (the content security policy runs no inline script). */
const SCRIPT_TAG = '<script src="/r/page.js" defer></script>';

/**
 * The customer's side, on signed links without signing in: `/r/order/<token>` asks for a return of an order's lines
 * (with photos), `/r/<token>` shows where the return stands, takes the parcel's carrier and tracking number once it is
 * approved, and lets the request be withdrawn before the parcel arrives.
 */
export async function registerReturnPages(app: FastifyInstance, ctx: AppContext) {
  const pageOf = (request: { headers: Record<string, unknown> }) => languageOf(request.headers['accept-language'] as string | undefined);
  const orderIdOf = (params: unknown) => {
    const p = tokenParams.safeParse(params);
    return p.success ? readReturnOrderToken(ctx.keyring, p.data.token) : null;
  };
  const returnIdOf = (params: unknown) => {
    const p = tokenParams.safeParse(params);
    return p.success ? readReturnToken(ctx.keyring, p.data.token) : null;
  };

  app.get('/r/page.js', async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(SUBMIT_SCRIPT),
  );

  app.get('/r/order/:token', async (request, reply) => {
    const lang = pageOf(request);
    const t = TEXT[lang];
    const page = (status: number, html: string) => htmlPage(reply, { status, lang, title: t.title, style: STYLE, body: html });
    const orderId = orderIdOf(request.params);
    if (orderId === null) return page(404, `<p>${t.invalid}</p>`);
    const settings = await returnSettingsOf(ctx.db);
    const r = await returnableOf(ctx, orderId, settings).catch((err: unknown) => (isAppError(err) ? null : Promise.reject(err)));
    if (!r) return page(404, `<p>${t.invalid}</p>`);
    const open = r.lines.filter((l) => l.returnable > 0);
    if (!r.open || open.length === 0) return page(200, `<h1>${t.ask}</h1><p>${r.open ? t.nothing : t.closed}</p>`);
    const lines = open
      .map(
        (l) =>
          `<div class="line"><span>${escapeHtml(l.name)}<br><small class="muted">${escapeHtml(l.sku)}</small></span><input type="number" min="0" max="${l.returnable}" value="0" data-item="${l.orderItemId}" aria-label="${escapeHtml(l.name)}"></div>`,
      )
      .join('');
    const reasons = settings.reasons.map((x) => `<option value="${x.key}">${escapeHtml(x.names[lang])}</option>`).join('');
    return page(
      200,
      `<h1>${t.ask}</h1><p class="muted">${t.order} ${escapeHtml(r.orderExternalId)}</p>
<form data-kind="ask" data-failed="${t.failed}"><p>${t.lines}</p>${lines}
<label>${t.reason}<select name="reason">${reasons}</select></label>
<label>${t.note}<textarea name="note" maxlength="2000"></textarea></label>
<label>${t.photos}<input type="file" accept="image/*" multiple></label>
<label><input type="checkbox" name="refundOnly"> ${t.refundOnly}</label>
<p class="err" role="alert"></p><button type="submit">${t.submit}</button></form>${SCRIPT_TAG}`,
    );
  });

  app.post('/r/order/:token', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (request, reply) => {
    const orderId = orderIdOf(request.params);
    const body = customerReturnBody.safeParse(request.body);
    if (orderId === null) return reply.status(404).send({ error: { code: 'RETURN_NOT_FOUND', message: TEXT[pageOf(request)].invalid } });
    if (!body.success)
      return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: body.error.issues[0]?.message ?? '' } });
    const env = await returnEnvOf(ctx);
    const id = await ctx.db.transaction().execute((trx) => createReturn(trx, env, { ...body.data, orderId }, 'customer'));
    return reply.status(201).send({ url: returnPath(ctx, id) });
  });

  app.get('/r/:token', async (request, reply) => {
    const lang = pageOf(request);
    const t = TEXT[lang];
    const page = (status: number, html: string) => htmlPage(reply, { status, lang, title: t.title, style: STYLE, body: html });
    const id = returnIdOf(request.params);
    if (id === null) return page(404, `<p>${t.invalid}</p>`);
    const r = await returnDetail(ctx, id);
    const store = await storeSettingsOf(ctx);
    const money = (n: number) => new Intl.NumberFormat(lang, { style: 'currency', currency: r.currency || store.currency }).format(n / 100);
    const when = (s: string) =>
      new Intl.DateTimeFormat(lang, { timeZone: store.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(s));
    const outcome = [
      r.refundAmount !== null ? `<p>${t.refund}: ${money(r.refundAmount)}</p>` : '',
      r.creditPoints ? `<p>${t.points}: ${r.creditPoints}</p>` : '',
      r.creditCoupon ? `<p>${t.coupon}: <code>${escapeHtml(r.creditCoupon)}</code></p>` : '',
      r.exchangeOrderId ? `<p>${t.exchange}</p>` : '',
      r.rejectedReason ? `<p>${escapeHtml(r.rejectedReason)}</p>` : '',
    ].join('');
    const canShip = (RETURN_MOVES.ship as readonly string[]).includes(r.state) && !r.refundOnly;
    const canCancel = (RETURN_MOVES.cancel as readonly string[]).includes(r.state);
    const form =
      canShip || canCancel
        ? `<form data-kind="ship" data-failed="${t.failed}">${
            canShip
              ? `<h2>${t.ship}</h2><label>${t.carrier}<input type="text" name="carrier" required maxlength="60" value="${escapeHtml(r.carrier ?? '')}"></label>
<label>${t.tracking}<input type="text" name="trackingNumber" required minlength="3" maxlength="60" value="${escapeHtml(r.trackingNumber ?? '')}"></label><button type="submit">${t.send}</button>`
              : ''
          }<p class="err" role="alert"></p>${canCancel ? `<button type="submit" name="cancel" formnovalidate class="secondary">${t.cancel}</button>` : ''}</form>${SCRIPT_TAG}`
        : '';
    const history = r.history
      .map((h) => `<li>${when(h.at)} — ${STATE_NAMES[lang][h.to as keyof (typeof STATE_NAMES)[PageLanguage]] ?? h.to}</li>`)
      .join('');
    const lines = r.lines.map((l) => `<li>${escapeHtml(l.name)} × ${l.quantity}</li>`).join('');
    return page(
      200,
      `<h1>${t.title} #${r.id}</h1><p class="muted">${t.order} ${escapeHtml(r.orderExternalId)}</p><ul>${lines}</ul>
<p>${t.state}</p><p class="state">${STATE_NAMES[lang][r.state]}</p>${outcome}${form}<h2>${t.history}</h2><ul>${history}</ul>`,
    );
  });

  const customerMove = async (request: { params: unknown; body: unknown }, moveBody: Parameters<typeof move>[3]) => {
    const id = returnIdOf(request.params);
    if (id === null) return null;
    const env = await returnEnvOf(ctx);
    await ctx.db.transaction().execute((trx) => move(trx, env, id, moveBody, 'customer'));
    return { url: returnPath(ctx, id) };
  };
  app.post('/r/:token', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (request, reply) => {
    const body = shipBody.safeParse(request.body);
    if (!body.success)
      return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: body.error.issues[0]?.message ?? '' } });
    const done = await customerMove(request, { move: 'ship', ...body.data });
    return done
      ? reply.send(done)
      : reply.status(404).send({ error: { code: 'RETURN_NOT_FOUND', message: TEXT[pageOf(request)].invalid } });
  });
  app.post('/r/:token/cancel', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (request, reply) => {
    const done = await customerMove(request, { move: 'cancel', note: 'customer' });
    return done
      ? reply.send(done)
      : reply.status(404).send({ error: { code: 'RETURN_NOT_FOUND', message: TEXT[pageOf(request)].invalid } });
  });
}
