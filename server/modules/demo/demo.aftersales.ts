import { sql } from 'kysely';
import type { ArticleBody } from '../../../contracts/knowledge.ts';
import type { AppContext } from '../../platform/context.ts';
import { saveArticle, saveCategory } from '../knowledge/index.ts';
import { moveReturn, requestReturn } from '../returns/index.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'demo store', ip: null };

const CATEGORIES = [
  { slug: 'after-sales', names: { 'zh-CN': '售后服务', en: 'After-sales' }, position: 1 },
  { slug: 'shipping', names: { 'zh-CN': '配送物流', en: 'Shipping' }, position: 2 },
  { slug: 'membership', names: { 'zh-CN': '会员与积分', en: 'Membership' }, position: 3 },
];

const ARTICLES: (Omit<ArticleBody, 'categoryId' | 'status' | 'visibility'> & { category: string; internal?: boolean })[] = [
  {
    slug: 'how-to-return',
    category: 'after-sales',
    texts: {
      'zh-CN': {
        title: '如何申请退货退款',
        body: '1. 打开订单消息中的**退换货链接**，或联系客服获取；\n2. 选择要退的商品和数量，填写原因并上传照片；\n3. 审核通过后，请在 7 天内寄回并填写运单号。\n\n收到退货并验货后，退款将原路退回。',
      },
      en: {
        title: 'How to return an item for a refund',
        body: '1. Open the **returns link** in your order message, or ask us for it.\n2. Choose the items, give a reason and add photos.\n3. Once approved, send them back within 7 days and enter the tracking number.\n\nThe refund goes back to how you paid once the items are inspected.',
      },
    },
  },
  {
    slug: 'exchange-size',
    category: 'after-sales',
    texts: {
      'zh-CN': {
        title: '尺码不合适可以换货吗',
        body: '可以。申请退换货时原因选择“尺码不合适”，验货通过后我们会为您寄出新尺码，运费由我们承担。',
      },
      en: {
        title: 'Can I exchange for another size?',
        body: 'Yes. Choose "Wrong size" when you ask for a return; once inspected we send the new size at our cost.',
      },
    },
  },
  {
    slug: 'shipping-insurance',
    category: 'after-sales',
    texts: {
      'zh-CN': {
        title: '运费险怎么理赔',
        body: '购买了运费险的订单，退货寄出后系统自动理赔，补偿金额会退回到您的支付账户，一般 1–3 天到账。',
      },
    },
  },
  {
    slug: 'delivery-times',
    category: 'shipping',
    texts: {
      'zh-CN': { title: '下单后多久发货', body: '每天 16:00 前付款的订单当天发货，之后的次日发货。江浙沪一般次日达，其他地区 2–4 天。' },
      en: {
        title: 'When will my order ship?',
        body: 'Orders paid before 16:00 ship the same day, later ones the next day. Delivery takes 1–4 days.',
      },
    },
  },
  {
    slug: 'invoice',
    category: 'shipping',
    texts: {
      'zh-CN': { title: '如何开具发票', body: '订单完成后可在订单详情页申请电子发票，支持个人和企业抬头。' },
      en: { title: 'Getting an invoice', body: 'Ask for an e-invoice on the order page once the order is completed.' },
    },
  },
  {
    slug: 'points-rules',
    category: 'membership',
    texts: {
      'zh-CN': { title: '会员积分规则', body: '每消费 1 元得 1 积分，确认收货 14 天后到账；积分可在下单时抵扣，12 个月内有效。' },
      en: {
        title: 'How points work',
        body: 'Earn 1 point per ¥1 spent, credited 14 days after delivery; spend them at checkout within 12 months.',
      },
    },
  },
  {
    slug: 'refund-exceptions',
    category: 'after-sales',
    internal: true,
    texts: {
      'zh-CN': { title: '退货特殊情况处理（内部）', body: '超过 15 天或已洗涤的商品需主管审批；大促期间退货量大时优先处理质量问题。' },
    },
  },
];

/**
 * The demo store's after-sales: help-centre categories and articles (one for agents only), and a few returns of its
 * recent deliveries at different states — so the help centre, the bot and the returns list have something to show.
 * Returns the articles and returns written.
 */
export async function seedDemoAfterSales(ctx: AppContext): Promise<{ articles: number; returns: number }> {
  const now = ctx.clock.now();
  const ids = new Map<string, number>();
  for (const c of CATEGORIES) ids.set(c.slug, await saveCategory(ctx.db, null, c));
  for (const a of ARTICLES)
    await saveArticle(
      ctx.db,
      null,
      {
        slug: a.slug,
        texts: a.texts,
        categoryId: ids.get(a.category) ?? null,
        status: 'published',
        visibility: a.internal ? 'internal' : 'public',
      },
      ACTOR,
      now,
    );
  const recent = await sql<{ order_id: number; item_id: number; quantity: number }>`
    select distinct on (o.id) o.id as order_id, i.id as item_id, i.quantity from orders o join order_items i on i.order_id = o.id
    where o.delivered_at > ${new Date(now.getTime() - 10 * 86_400_000)} and o.status in ('delivered', 'completed')
      and not exists (select 1 from return_requests r where r.order_id = o.id)
    order by o.id desc limit 3`.execute(ctx.db);
  const reasons = ['size', 'quality', 'damaged'];
  let returns = 0;
  for (const [i, o] of recent.rows.entries()) {
    const id = await requestReturn(
      ctx,
      {
        orderId: o.order_id,
        lines: [{ orderItemId: o.item_id, quantity: 1 }],
        reason: reasons[i],
        note: '',
        photos: [],
        refundOnly: false,
      },
      'customer',
    );
    if (i > 0) await moveReturn(ctx, id, { move: 'approve' }, ACTOR.label);
    if (i > 1) {
      await moveReturn(ctx, id, { move: 'receive' }, ACTOR.label);
      await moveReturn(ctx, id, { move: 'inspect', lines: [] }, ACTOR.label);
      await moveReturn(ctx, id, { move: 'resolve', resolution: 'refund' }, ACTOR.label);
    }
    returns++;
  }
  return { articles: ARTICLES.length, returns };
}
