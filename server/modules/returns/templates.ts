import type { TemplateBody } from '../../../contracts/messaging.ts';
import { RETURN_STATES } from '../../../contracts/returns.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { readSignedId, signId } from '../../platform/signed-id.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { installMissingTemplates } from '../messaging/index.ts';

const SYSTEM: Actor = { type: 'system', id: null, label: 'returns', ip: null };

/** A return's page (its state, the parcel's tracking form) and an order's "ask for a return" page: signed links. */
export const returnPath = (ctx: AppContext, id: number) => `/r/${signId(ctx.keyring, 'return', id)}`;
export const returnUrl = (ctx: AppContext, id: number) => `${ctx.config.publicUrl}${returnPath(ctx, id)}`;
export const returnOrderUrl = (ctx: AppContext, orderId: number) =>
  `${ctx.config.publicUrl}/r/order/${signId(ctx.keyring, 'return-order', orderId)}`;
export const readReturnToken = (keyring: Keyring, token: string) => readSignedId(keyring, 'return', token);
export const readReturnOrderToken = (keyring: Keyring, token: string) => readSignedId(keyring, 'return-order', token);

export const STATE_NAMES: Record<'zh-CN' | 'en', Record<(typeof RETURN_STATES)[number], string>> = {
  'zh-CN': {
    requested: '已提交，等待审核',
    approved: '已同意，请寄回商品',
    rejected: '未通过',
    in_transit: '退货寄回中',
    received: '商家已收货',
    inspected: '已验货',
    resolved: '已处理完成',
    closed: '已关闭',
    cancelled: '已撤销',
  },
  en: {
    requested: 'Submitted, awaiting review',
    approved: 'Approved — please send the items back',
    rejected: 'Not approved',
    in_transit: 'On its way back to us',
    received: 'Received',
    inspected: 'Inspected',
    resolved: 'Resolved',
    closed: 'Closed',
    cancelled: 'Withdrawn',
  },
};

/** The state in the message's language (a Liquid case over the state code). */
const stateText = (lang: 'zh-CN' | 'en') =>
  `{% case rma.state %}${RETURN_STATES.map((s) => `{% when '${s}' %}${STATE_NAMES[lang][s]}`).join('')}{% endcase %}`;

export const RETURN_TEMPLATES = { email: 'returns.update', sms: 'returns.update.sms' } as const;

/** The customer's message at each state, shipped as ordinary transactional templates the store may reword. */
export const RETURNS_TEMPLATES: TemplateBody[] = [
  {
    key: RETURN_TEMPLATES.email,
    name: '退换货进度 / Return update',
    channel: 'email',
    purpose: 'transactional',
    subject: {
      'zh-CN': `退换货进度：${stateText('zh-CN')}（订单 {{ order.id }}）`,
      en: `Your return: ${stateText('en')} (order {{ order.id }})`,
    },
    body: {
      'zh-CN': `<p>您好，您的退换货申请 #{{ rma.id }}（订单 {{ order.id }}）当前状态：<b>${stateText('zh-CN')}</b>。</p>{% if rma.reason != '' %}<p>原因：{{ rma.reason }}</p>{% endif %}{% if rma.refund_amount > 0 %}<p>退款金额：{{ rma.refund_amount | money }}</p>{% endif %}{% if rma.coupon != '' %}<p>优惠券：{{ rma.coupon }}</p>{% endif %}{% if rma.points > 0 %}<p>已补偿 {{ rma.points }} 积分</p>{% endif %}<p><a href="{{ rma.url }}">查看详情</a></p><p>— {{ store.name }}</p>`,
      en: `<p>Hello, your return #{{ rma.id }} (order {{ order.id }}) is now: <b>${stateText('en')}</b>.</p>{% if rma.reason != '' %}<p>Reason: {{ rma.reason }}</p>{% endif %}{% if rma.refund_amount > 0 %}<p>Refund: {{ rma.refund_amount | money }}</p>{% endif %}{% if rma.coupon != '' %}<p>Coupon: {{ rma.coupon }}</p>{% endif %}{% if rma.points > 0 %}<p>{{ rma.points }} points credited</p>{% endif %}<p><a href="{{ rma.url }}">See the details</a></p><p>— {{ store.name }}</p>`,
    },
    quietHours: false,
  },
  {
    key: RETURN_TEMPLATES.sms,
    name: '退换货进度短信 / Return update SMS',
    channel: 'sms',
    purpose: 'transactional',
    body: {
      'zh-CN': `您的退换货申请（订单{{ order.id }}）${stateText('zh-CN')}，详情：{{ rma.url }}`,
      en: `Your return (order {{ order.id }}): ${stateText('en')}. Details: {{ rma.url }}`,
    },
    quietHours: true,
  },
];

/** Installs the shipped templates a store does not have yet. */
export const ensureReturnTemplates = (db: Db, now: Date) => installMissingTemplates(db, RETURNS_TEMPLATES, SYSTEM, now);
