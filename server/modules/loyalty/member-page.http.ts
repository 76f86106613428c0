import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MemberView } from '../../../contracts/loyalty.ts';
import { type PageLanguage, escapeHtml, htmlPage, languageOf } from '../../http/public-page.ts';
import type { AppContext } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors.ts';
import { currentCustomerId } from '../customers/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { couponsOf } from './coupons.ts';
import { ledgerOf, memberOf, readMemberToken } from './members.ts';
import { ledgerContextOf } from './work.ts';

const TEXT = {
  'zh-CN': {
    title: '我的会员',
    memberNo: '会员号',
    since: '开卡日期',
    tier: '会员等级',
    none: '普通会员',
    available: '可用积分',
    pending: '待生效',
    expiring: '{{points}} 积分将于 {{date}} 过期',
    toNext: '距 {{tier}} 还差 {{needed}}',
    top: '您已是最高等级',
    freeShipping: '本等级包邮',
    history: '积分明细',
    coupons: '我的优惠券',
    noCoupons: '暂无优惠券',
    usesLeft: '可用 {{n}} 次',
    until: '有效期至 {{date}}',
    invalid: '这个链接无效。',
    notMember: '您还不是会员。',
    failed: '暂时无法显示，请稍后再试。',
    basis: { net_spend: '消费', points: '积分', orders: '订单' },
    kinds: { earn: '购物', bonus: '奖励', adjust: '调整', redeem: '兑换', expire: '过期', clawback: '退款扣回' },
  },
  en: {
    title: 'My membership',
    memberNo: 'Member no.',
    since: 'Member since',
    tier: 'Tier',
    none: 'Member',
    available: 'Points available',
    pending: 'pending',
    expiring: '{{points}} points expire on {{date}}',
    toNext: '{{needed}} more to {{tier}}',
    top: 'You are in our top tier',
    freeShipping: 'Free shipping in this tier',
    history: 'Points history',
    coupons: 'My coupons',
    noCoupons: 'No coupons yet',
    usesLeft: '{{n}} use(s) left',
    until: 'valid until {{date}}',
    invalid: 'This link is not valid.',
    notMember: 'You are not a member yet.',
    failed: 'We cannot show this just now. Please try again later.',
    basis: { net_spend: 'spend', points: 'points', orders: 'orders' },
    kinds: { earn: 'Purchase', bonus: 'Bonus', adjust: 'Adjustment', redeem: 'Redeemed', expire: 'Expired', clawback: 'Refund' },
  },
} as const;

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:30rem;margin:0 auto;padding:1rem;line-height:1.5;color:#222}' +
  '.card{border-radius:12px;padding:1.2rem;background:linear-gradient(135deg,#2b2d42,#8d99ae);color:#fff;margin-bottom:1rem}' +
  '.big{font-size:2.2rem;font-weight:700}.muted{color:#666;font-size:.9rem}.card .muted{color:#eee}' +
  '.bar{height:8px;border-radius:4px;background:#ddd;overflow:hidden;margin:.4rem 0}.bar i{display:block;height:100%;background:#e76f51}' +
  'table{width:100%;border-collapse:collapse;font-size:.95rem}td{padding:.4rem 0;border-bottom:1px solid #eee}td.n{text-align:right}' +
  '.coupon{border:1px dashed #e76f51;border-radius:8px;padding:.6rem;margin:.4rem 0}.code{font-family:monospace;font-size:1.1rem;letter-spacing:.1em}';

const fill = (s: string, v: Record<string, string | number>) => s.replace(/\{\{(\w+)\}\}/g, (_, k) => String(v[k] ?? ''));

function body(
  lang: PageLanguage,
  m: MemberView,
  extra: { history: string; coupons: string; money: (n: number) => string; date: (s: string) => string },
) {
  const t = TEXT[lang];
  const b = m.balance;
  const p = m.progress;
  const figure = (n: number) => (p.basis === 'net_spend' ? extra.money(n) : String(n));
  const share = p.needed === null ? 100 : Math.min(100, Math.round((100 * p.value) / Math.max(1, p.value + p.needed)));
  const next =
    p.nextTier === null
      ? `<p class="muted">${t.top}</p>`
      : `<div class="bar"><i style="width:${share}%"></i></div><p class="muted">${escapeHtml(fill(t.toNext, { tier: p.nextTier, needed: figure(p.needed ?? 0) }))} (${t.basis[p.basis as keyof typeof t.basis] ?? ''})</p>`;
  return `<div class="card"><div class="muted">${t.tier}</div><div class="big">${escapeHtml(m.tierName ?? t.none)}</div>
<div class="muted">${t.memberNo} ${escapeHtml(m.memberNo)} · ${t.since} ${extra.date(m.joinedAt)}</div>${m.freeShipping ? `<div>${t.freeShipping}</div>` : ''}</div>
${next}
<h2>${t.available}</h2><div class="big">${b.available}</div><p class="muted">${t.pending} ${b.pending}${b.expiring > 0 && b.expiringAt ? ` · ${escapeHtml(fill(t.expiring, { points: b.expiring, date: extra.date(b.expiringAt) }))}` : ''}</p>
<h2>${t.coupons}</h2>${extra.coupons}
<h2>${t.history}</h2><table>${extra.history}</table>`;
}

const tokenParams = z.object({ token: z.string().min(10).max(200) });

/**
 * The member page (`/m/<signed token>`): tier, progress to the next tier, points available, pending and expiring,
 * coupons and history — opened from a message link, without signing in. A forged token is a 404.
 */
export async function registerMemberPage(app: FastifyInstance, ctx: AppContext) {
  app.get('/m/:token', async (request, reply) => {
    const lang = languageOf(request.headers['accept-language']);
    const t = TEXT[lang];
    const page = (status: number, html: string) => htmlPage(reply, { status, lang, title: t.title, style: STYLE, body: html });
    const parsed = tokenParams.safeParse(request.params);
    const claimed = parsed.success ? readMemberToken(ctx.keyring, parsed.data.token) : null;
    if (claimed === null) return page(404, `<p>${t.invalid}</p>`);
    try {
      const customerId = await currentCustomerId(ctx.db, claimed);
      const c = await ledgerContextOf(ctx);
      const [m, ledger, coupons, store] = await Promise.all([
        memberOf(ctx.db, c, customerId),
        ledgerOf(ctx.db, customerId, { limit: 30, offset: 0 }, c.now),
        couponsOf(ctx.db, customerId),
        storeSettingsOf(ctx),
      ]);
      const date = (s: string) => new Intl.DateTimeFormat(lang, { timeZone: store.timeZone, dateStyle: 'medium' }).format(new Date(s));
      const money = (n: number) => new Intl.NumberFormat(lang, { style: 'currency', currency: store.currency }).format(n / 100);
      const history = ledger.items
        .map(
          (e) =>
            `<tr><td>${t.kinds[e.kind]}<div class="muted">${date(e.createdAt)}</div></td><td class="n">${e.points > 0 ? '+' : ''}${e.points}</td></tr>`,
        )
        .join('');
      const open = coupons.filter((x) => !x.void && x.max_uses > x.used && (!x.expires_at || new Date(x.expires_at) > c.now));
      const couponHtml =
        open.length === 0
          ? `<p class="muted">${t.noCoupons}</p>`
          : open
              .map(
                (x) =>
                  `<div class="coupon"><div>${escapeHtml(x.name)}</div><div class="code">${escapeHtml(x.code)}</div><div class="muted">${fill(t.usesLeft, { n: x.max_uses - x.used })}${x.expires_at ? ` · ${escapeHtml(fill(t.until, { date: date(new Date(x.expires_at).toISOString()) }))}` : ''}</div></div>`,
              )
              .join('');
      return page(200, body(lang, m, { history, coupons: couponHtml, money, date }));
    } catch (err) {
      if (isAppError(err) && err.kind === 'not_found') return page(404, `<p>${t.notMember}</p>`);
      request.log.error({ err }, 'member page failed');
      return page(503, `<p>${t.failed}</p>`);
    }
  });
}
