import type { TemplateBody } from '../../../contracts/messaging.ts';
import type { Db } from '../../db/index.ts';
import { listOrders } from '../commerce/index.ts';
import { shippedTemplate } from '../journeys/index.ts';
import { enqueueMessage, saveTemplate } from '../messaging/index.ts';

/** Templates a seller starts from (store data, so in the demo store's language first). */
const DEMO_TEMPLATES: TemplateBody[] = [
  shippedTemplate('order-unpaid'),
  {
    key: 'welcome-back',
    name: '老客回归',
    channel: 'email',
    purpose: 'marketing',
    subject: { 'zh-CN': '{{ customer.first_name }}，好久不见', en: 'We miss you, {{ customer.first_name }}' },
    preheader: { 'zh-CN': '专属优惠等你来领', en: 'A little something for you' },
    body: {
      'zh-CN':
        '<p>{{ customer.name }}，您好：</p><p>送您一张 {{ coupon.amount | money }} 优惠券，券码 <b>{{ coupon.code }}</b>。</p><p><a href="{{ unsubscribe_url }}">退订</a></p>',
      en: '<p>Hello {{ customer.name }},</p><p>Here is {{ coupon.amount | money }} off with code <b>{{ coupon.code }}</b>.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
    },
    quietHours: true,
  },
  {
    key: 'birthday',
    name: '生日关怀',
    channel: 'sms',
    purpose: 'marketing',
    body: {
      'zh-CN': '{{ customer.first_name }}，生日快乐！{{ store.name }}为您准备了生日礼券 {{ coupon.code }}。',
      en: 'Happy birthday, {{ customer.first_name }}! Your gift code: {{ coupon.code }}.',
    },
    quietHours: true,
  },
];

const DEMO_ACTOR = { type: 'system' as const, id: null, label: 'demo store', ip: null };

/**
 * The demo store's templates, and a 催付 reminder queued for its newest unpaid orders: the workers send them to the
 * sandbox, where Settings → Messaging shows them as the buyers would have got them.
 */
export async function seedDemoMessages(db: Db, opts: { now: Date; timeZone: string; currency: string }): Promise<number> {
  for (const t of DEMO_TEMPLATES) await saveTemplate(db, t, { actor: DEMO_ACTOR, ...opts });
  const unpaid = await listOrders(db, { status: 'pending_payment', limit: 20 }, opts.timeZone);
  await db.transaction().execute(async (trx) => {
    for (const o of unpaid.items) {
      await enqueueMessage(trx, {
        key: `demo:order-unpaid:${o.id}`,
        customerId: o.customer.id,
        template: 'order-unpaid',
        variables: { order: { id: o.externalId, total: o.totalAmount } },
        source: 'demo',
        sendAt: opts.now,
      });
    }
  });
  return unpaid.items.length;
}
