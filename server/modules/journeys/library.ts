import type { JourneyDefinition } from '../../../contracts/journeys.ts';
import type { TemplateBody } from '../../../contracts/messaging.ts';
import type { RuleGroup } from '../../../contracts/segments.ts';

/**
 * Journeys Patron ships, off until a seller switches one on (each is an ordinary journey once installed: editable,
 * versioned). A shipped journey brings the templates its messages use; a template the store already has is kept.
 */
export type LibraryJourney = {
  key: string;
  name: string;
  description: string;
  /** A segment trigger's `segmentId` 0 stands for `segment`, created with the journey. */
  definition: JourneyDefinition;
  templates: TemplateBody[];
  /** The audience a segment-triggered journey brings (an ordinary dynamic segment once created: editable). */
  segment?: { name: string; description: string; rules: RuleGroup };
};

/** The products a `recommend` step found, as a sentence (nothing when it found none). */
const MATCHING = {
  zh: '{% if recommendations.size > 0 %}搭配推荐：{% for p in recommendations %}{{ p.name }}{% unless forloop.last %}、{% endunless %}{% endfor %}。{% endif %}',
  en: '{% if recommendations.size > 0 %} Goes well with it: {% for p in recommendations %}{{ p.name }}{% unless forloop.last %}, {% endunless %}{% endfor %}.{% endif %}',
};

/**
 * A catalogue journey: a price drop (at least 10%) or a restock tells, in one marketing SMS, the people who viewed the
 * product or put it in the cart in the last 30 days and have not bought it; any order ends it.
 */
function toldWhoLooked(o: {
  key: string;
  name: string;
  description: string;
  on: 'price_drop' | 'back_in_stock';
  cooldownDays: number;
  body: TemplateBody['body'];
}): LibraryJourney {
  return {
    key: o.key,
    name: o.name,
    description: o.description,
    definition: {
      trigger: { type: 'product', on: o.on, minDropPercent: 10, events: ['Product Viewed', 'Product Added'], withinDays: 30 },
      entryRules: null,
      reentry: { policy: 'cooldown', days: o.cooldownDays },
      goal: { type: 'any_order' },
      start: 'tell',
      steps: [{ id: 'tell', type: 'message', template: o.key, next: null }],
    },
    templates: [{ key: o.key, name: o.name, channel: 'sms', purpose: 'marketing', body: o.body, quietHours: true }],
  };
}

export const LIBRARY: readonly LibraryJourney[] = [
  {
    key: 'unpaid-reminder',
    name: '催付：未付款订单提醒',
    description:
      'An order still unpaid 30 minutes after it was placed gets one reminder (SMS), in a caring tone, never in quiet hours; paying ends the journey. Orders under ¥10 are left alone; one reminder per buyer per 24 hours.',
    definition: {
      trigger: { type: 'order', event: 'placed', minTotal: 1000, statuses: ['pending_payment'], maxAgeHours: 24 },
      entryRules: null,
      reentry: { policy: 'cooldown', days: 1 },
      goal: { type: 'order_event', event: 'paid' },
      start: 'wait-30',
      steps: [
        { id: 'wait-30', type: 'wait', minutes: 30, next: 'still-unpaid' },
        { id: 'still-unpaid', type: 'order_status', statuses: ['pending_payment'], yes: 'remind', no: null },
        { id: 'remind', type: 'message', template: 'order-unpaid', next: null },
      ],
    },
    templates: [
      {
        key: 'order-unpaid',
        name: '催付提醒',
        channel: 'sms',
        purpose: 'transactional',
        body: {
          'zh-CN': '亲，您在{{ store.name }}的订单 {{ order.id }}（{{ order.total | money }}）还未付款，库存有限，请尽快完成支付。',
          en: 'Your order {{ order.id }} ({{ order.total | money }}) at {{ store.name }} is waiting for payment.',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'order-shipped',
    name: '发货关怀',
    description: 'When an order ships, the buyer hears it is on its way.',
    definition: {
      trigger: { type: 'order', event: 'shipped', minTotal: 0, statuses: [], maxAgeHours: 24 },
      entryRules: null,
      reentry: { policy: 'every' },
      goal: null,
      start: 'notify',
      steps: [{ id: 'notify', type: 'message', template: 'order-shipped', next: null }],
    },
    templates: [
      {
        key: 'order-shipped',
        name: '发货通知',
        channel: 'sms',
        purpose: 'transactional',
        body: {
          'zh-CN': '亲，您在{{ store.name }}的订单 {{ order.id }} 已发货，请留意查收。',
          en: 'Your order {{ order.id }} from {{ store.name }} is on its way.',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'order-delivered-review',
    name: '签收关怀与评价邀请',
    description:
      'Two days after delivery, at 10:00 in the buyer’s time zone, a thank-you that asks for a review and names two or three products bought together with theirs (when there are any).',
    definition: {
      trigger: { type: 'order', event: 'delivered', minTotal: 0, statuses: [], maxAgeHours: 72 },
      entryRules: null,
      reentry: { policy: 'cooldown', days: 7 },
      goal: null,
      start: 'wait-2d',
      steps: [
        { id: 'wait-2d', type: 'wait', minutes: 2 * 24 * 60, next: 'at-ten' },
        { id: 'at-ten', type: 'wait_until', time: '10:00', next: 'matching' },
        { id: 'matching', type: 'recommend', limit: 3, yes: 'thanks', no: 'thanks' },
        { id: 'thanks', type: 'message', template: 'order-review', next: null },
      ],
    },
    templates: [
      {
        key: 'order-review',
        name: '评价邀请',
        channel: 'sms',
        purpose: 'transactional',
        body: {
          'zh-CN': `亲，订单 {{ order.id }} 用得还好吗？期待您的评价，有任何问题请随时联系{{ store.name }}。${MATCHING.zh}`,
          en: `How is your order {{ order.id }}? We would love your review; {{ store.name }} is here if anything is wrong.${MATCHING.en}`,
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'birthday',
    name: '生日关怀',
    description:
      'On the customer’s birthday at 10:00 in their time zone, a greeting (switch the trigger to the lunar calendar for 农历生日).',
    definition: {
      trigger: { type: 'date', field: 'birthday', calendar: 'gregorian', offsetDays: 0, time: '10:00' },
      entryRules: null,
      reentry: { policy: 'every' },
      goal: null,
      start: 'greet',
      steps: [{ id: 'greet', type: 'message', template: 'birthday-greeting', next: null }],
    },
    templates: [
      {
        key: 'birthday-greeting',
        name: '生日祝福',
        channel: 'sms',
        purpose: 'marketing',
        body: {
          'zh-CN': '{{ customer.first_name }}，生日快乐！{{ store.name }}祝您新的一岁万事顺意。',
          en: 'Happy birthday, {{ customer.first_name }}! Best wishes from {{ store.name }}.',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'abandoned-checkout',
    name: '未完成结算提醒',
    description:
      'A customer who started a checkout and placed no order within an hour hears from the store once (marketing: consent needed); any order ends the journey. At most once a week per customer.',
    definition: {
      trigger: { type: 'event', name: 'Checkout Started', properties: {}, maxAgeHours: 24 },
      entryRules: null,
      reentry: { policy: 'cooldown', days: 7 },
      goal: { type: 'any_order' },
      start: 'wait-order',
      steps: [
        { id: 'wait-order', type: 'wait_event', event: 'Order Completed', minutes: 60, yes: null, no: 'remind' },
        { id: 'remind', type: 'message', template: 'checkout-reminder', next: null },
      ],
    },
    templates: [
      {
        key: 'checkout-reminder',
        name: '结算提醒',
        channel: 'sms',
        purpose: 'marketing',
        body: {
          'zh-CN': '{{ customer.first_name }}，您在{{ store.name }}挑选的商品还在购物车里，库存有限，欢迎回来完成下单。',
          en: '{{ customer.first_name }}, the items you picked at {{ store.name }} are still waiting in your cart.',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'holiday-greeting',
    name: '中秋节问候',
    description:
      'On the Mid-Autumn Festival at 10:00 in each customer’s time zone, a greeting to everyone who agreed to marketing SMS (pick another holiday — 春节, 618, 双十一 … — or the store’s own day in the trigger).',
    definition: {
      trigger: { type: 'holiday', holiday: 'mid_autumn', offsetDays: 0, time: '10:00' },
      entryRules: null,
      reentry: { policy: 'every' },
      goal: null,
      start: 'greet',
      steps: [{ id: 'greet', type: 'message', template: 'holiday-greeting', next: null }],
    },
    templates: [
      {
        key: 'holiday-greeting',
        name: '节日问候',
        channel: 'sms',
        purpose: 'marketing',
        body: {
          'zh-CN': '{{ customer.first_name }}，{{ store.name }}祝您节日快乐，阖家团圆！',
          en: '{{ customer.first_name }}, happy holidays from {{ store.name }}!',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'card-anniversary',
    name: '开卡周年关怀',
    description:
      'On the anniversary of the day a member opened their card (开卡), at 10:00 in their time zone: 100 bonus points and a thank-you that shows the balance (marketing: consent needed). Members only; the loyalty programme must be open.',
    definition: {
      trigger: { type: 'date', field: 'card_opened', calendar: 'gregorian', offsetDays: 0, time: '10:00' },
      entryRules: null,
      reentry: { policy: 'every' },
      goal: null,
      start: 'gift',
      steps: [
        { id: 'gift', type: 'points', points: 100, reason: '开卡周年礼', next: 'thanks' },
        { id: 'thanks', type: 'message', template: 'card-anniversary', next: null },
      ],
    },
    templates: [
      {
        key: 'card-anniversary',
        name: '开卡周年',
        channel: 'sms',
        purpose: 'marketing',
        body: {
          'zh-CN':
            '{{ customer.first_name }}，今天是您成为{{ store.name }}会员的周年纪念日，已为您送上 100 积分，当前积分 {{ points.balance }}。感谢一路相伴！',
          en: '{{ customer.first_name }}, today is your membership anniversary at {{ store.name }}: 100 points are yours, {{ points.balance }} in all. Thank you!',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'welcome-series',
    name: '新会员欢迎系列',
    description:
      'A new sign-up (the tracked event Signed Up) gets a welcome e-mail at once and, three days later at 10:00 if they have not ordered, a second one about the store’s best sellers (marketing: consent needed); any order ends the series.',
    definition: {
      trigger: { type: 'event', name: 'Signed Up', properties: {}, maxAgeHours: 24 },
      entryRules: null,
      reentry: { policy: 'once' },
      goal: { type: 'any_order' },
      start: 'welcome',
      steps: [
        { id: 'welcome', type: 'message', template: 'welcome', next: 'wait-3d' },
        { id: 'wait-3d', type: 'wait', minutes: 3 * 24 * 60, next: 'at-ten' },
        { id: 'at-ten', type: 'wait_until', time: '10:00', next: 'second' },
        { id: 'second', type: 'message', template: 'welcome-second', next: null },
      ],
    },
    templates: [
      {
        key: 'welcome',
        name: '欢迎邮件',
        channel: 'email',
        purpose: 'marketing',
        subject: { 'zh-CN': '欢迎来到{{ store.name }}', en: 'Welcome to {{ store.name }}' },
        body: {
          'zh-CN': '<p>{{ customer.first_name }}，欢迎加入{{ store.name }}！</p><p>有任何问题，直接回复这封邮件即可。</p>',
          en: '<p>{{ customer.first_name }}, welcome to {{ store.name }}!</p><p>If you have a question, just reply to this e-mail.</p>',
        },
        quietHours: true,
      },
      {
        key: 'welcome-second',
        name: '欢迎邮件（第二封）',
        channel: 'email',
        purpose: 'marketing',
        subject: { 'zh-CN': '{{ store.name }}的人气好物', en: 'What people love at {{ store.name }}' },
        body: {
          'zh-CN': '<p>{{ customer.first_name }}，这些是大家最喜欢的商品，挑一件适合您的吧。</p>',
          en: '<p>{{ customer.first_name }}, here is what other customers love most — find something for you.</p>',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'cross-sell',
    name: '复购搭配推荐',
    description:
      'A week after an order is delivered, at 10:00, the buyer hears of up to three products people buy together with theirs (marketing: consent needed). Nothing is sent when there is nothing to recommend; a new order in the meantime ends it. At most once a month per customer.',
    definition: {
      trigger: { type: 'order', event: 'delivered', minTotal: 0, statuses: [], maxAgeHours: 72 },
      entryRules: null,
      reentry: { policy: 'cooldown', days: 30 },
      goal: { type: 'any_order' },
      start: 'wait-7d',
      steps: [
        { id: 'wait-7d', type: 'wait', minutes: 7 * 24 * 60, next: 'at-ten' },
        { id: 'at-ten', type: 'wait_until', time: '10:00', next: 'matching' },
        { id: 'matching', type: 'recommend', limit: 3, yes: 'suggest', no: null },
        { id: 'suggest', type: 'message', template: 'cross-sell', next: null },
      ],
    },
    templates: [
      {
        key: 'cross-sell',
        name: '搭配推荐',
        channel: 'sms',
        purpose: 'marketing',
        body: {
          'zh-CN':
            '{{ customer.first_name }}，您在{{ store.name }}买的宝贝用上了吗？常和它一起买的还有：{% for p in recommendations %}{{ p.name }}{% unless forloop.last %}、{% endunless %}{% endfor %}，欢迎回店看看。',
          en: '{{ customer.first_name }}, enjoying your order from {{ store.name }}? People who bought it also chose {% for p in recommendations %}{{ p.name }}{% unless forloop.last %}, {% endunless %}{% endfor %}.',
        },
        quietHours: true,
      },
    ],
  },
  toldWhoLooked({
    key: 'price-drop',
    name: '降价提醒',
    description:
      'A product gets at least 10% cheaper (the product API, a product CSV, a Shopify or WooCommerce product update): everyone who viewed it or put it in the cart in the last 30 days and has not bought it hears once, outside quiet hours (marketing: consent needed). At most once a week per customer; any order ends it.',
    on: 'price_drop',
    cooldownDays: 7,
    body: {
      'zh-CN':
        '{{ customer.first_name }}，您在{{ store.name }}看过的「{{ product.name }}」降价了：{{ product.previousPrice | money }} → {{ product.price | money }}，欢迎回店看看。',
      en: '{{ customer.first_name }}, "{{ product.name }}" you looked at in {{ store.name }} is now {{ product.price | money }} (was {{ product.previousPrice | money }}).',
    },
  }),
  toldWhoLooked({
    key: 'back-in-stock',
    name: '到货通知',
    description:
      'A product out of stock has stock again: everyone who viewed it or put it in the cart in the last 30 days and has not bought it hears once, outside quiet hours (marketing: consent needed). At most once in three days per customer; any order ends it.',
    on: 'back_in_stock',
    cooldownDays: 3,
    body: {
      'zh-CN':
        '{{ customer.first_name }}，您在{{ store.name }}看过的「{{ product.name }}」到货了（{{ product.price | money }}），数量有限，欢迎回店选购。',
      en: '{{ customer.first_name }}, "{{ product.name }}" you looked at in {{ store.name }} is back in stock ({{ product.price | money }}).',
    },
  }),
  {
    key: 'win-back',
    name: '高价值流失预警挽回',
    description:
      'A customer worth keeping (predicted value at least ¥500) whose churn probability passes 60% enters: the account owner gets a follow-up to call within two days, and the customer a we-miss-you message (marketing: consent needed) at 10:00. Any order ends it; once a quarter at most.',
    segment: {
      name: '挽回旅程：高价值流失预警',
      description: 'Predicted value (CLV) at least ¥500 and churn probability over 60% — the win-back journey’s audience.',
      rules: {
        type: 'group',
        op: 'and',
        children: [
          { type: 'metric', field: 'clv', operator: 'gte', value: 50_000 },
          { type: 'metric', field: 'churn_probability', operator: 'gt', value: 0.6 },
        ],
      },
    },
    definition: {
      trigger: { type: 'segment', segmentId: 0, on: 'entered' },
      entryRules: null,
      reentry: { policy: 'cooldown', days: 90 },
      goal: { type: 'any_order' },
      start: 'call',
      steps: [
        {
          id: 'call',
          type: 'task',
          title: '高价值客户有流失风险，请回访',
          note: '',
          assignee: { role: 'service_agent' },
          dueInHours: 48,
          next: 'at-ten',
        },
        { id: 'at-ten', type: 'wait_until', time: '10:00', next: 'miss-you' },
        { id: 'miss-you', type: 'message', template: 'win-back', next: null },
      ],
    },
    templates: [
      {
        key: 'win-back',
        name: '老客召回',
        channel: 'sms',
        purpose: 'marketing',
        body: {
          'zh-CN': '{{ customer.first_name }}，好久不见，{{ store.name }}上了不少新品，想念您的光临，欢迎回来看看。',
          en: '{{ customer.first_name }}, it has been a while. {{ store.name }} has new arrivals we think you will like; come and see.',
        },
        quietHours: true,
      },
    ],
  },
  {
    key: 'repeat-purchase',
    name: '复购提醒',
    description:
      'Two days before the date the CLV model predicts a customer’s next order, at 10:00, a reminder (marketing: consent needed) with products bought together with theirs. Any order ends it; once a month at most.',
    definition: {
      trigger: { type: 'date', field: 'next_order', calendar: 'gregorian', offsetDays: -2, time: '10:00' },
      entryRules: null,
      reentry: { policy: 'cooldown', days: 30 },
      goal: { type: 'any_order' },
      start: 'matching',
      steps: [
        { id: 'matching', type: 'recommend', limit: 3, yes: 'remind', no: 'remind' },
        { id: 'remind', type: 'message', template: 'repeat-reminder', next: null },
      ],
    },
    templates: [
      {
        key: 'repeat-reminder',
        name: '复购提醒',
        channel: 'sms',
        purpose: 'marketing',
        body: {
          'zh-CN': `{{ customer.first_name }}，您常在{{ store.name }}买的宝贝快用完了吧？欢迎回店补货。${MATCHING.zh}`,
          en: `{{ customer.first_name }}, running low on your favourites from {{ store.name }}? Come back and stock up.${MATCHING.en}`,
        },
        quietHours: true,
      },
    ],
  },
];

/** A template the shipped journeys bring (the demo store starts from them too). */
export function shippedTemplate(key: string): TemplateBody {
  const t = LIBRARY.flatMap((l) => l.templates).find((x) => x.key === key);
  if (!t) throw new Error(`no shipped template "${key}"`);
  return t;
}
