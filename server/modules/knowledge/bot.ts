import type { BotAnswer, KbLanguage, SearchHit } from '../../../contracts/knowledge.ts';
import type { BotTurnKind, Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { decryptField, encryptField } from '../../platform/crypto.ts';
import { articleUrl, plainText } from './articles.ts';
import { searchArticles } from './search.ts';

/** Below this the bot does not answer from an article; two hits this close to each other make it ask which. */
export const ANSWER_CONFIDENCE = 0.5;
const TIE = 0.1;
/** A conversation continues while its visitor keeps writing within this long. */
const CONVERSATION_MS = 24 * 3_600_000;

const ASKS_FOR_PERSON = /人工|真人|转客服|找客服|客服人员|投诉|\b(agent|human|person|representative|operator)\b/i;
const GREETING = /^(你好|您好|在吗|在不在|hi|hello|hey)[\s!！?？。.~]*$/i;
/** About an order already placed (not "when do you ship?", a question before buying). */
const ORDER_QUESTION =
  /我的(快递|订单|包裹|货)|快递.*(到哪|在哪)|到哪了|物流(信息|到哪|怎么)|运单号|单号是|查(一下)?(订单|快递|物流)|还没(收到|到|发货)|where('s| is)? my (order|parcel|package)|track(ing)? (my )?(order|parcel|package)|my (order|parcel|package)/i;

const TEXT = {
  'zh-CN': {
    greeting: '您好！我是智能客服，请直接描述您的问题，例如“怎么申请退货”“我的快递到哪了”。需要人工请回复“人工”。',
    answer: '为您找到：',
    more: '查看全文',
    clarify: '您想问的是哪一个？回复序号即可：',
    handoff: '正在为您转接人工客服，请稍候，客服会看到我们刚才的对话。',
    whoAreYou: '查询订单需要先确认身份：请在下方留下下单时用的手机号或邮箱，我们核对后为您查询；也可以回复“人工”。',
    noOrders: '没有查到您的订单。如果用了其他手机号或邮箱下单，请留下它，或回复“人工”。',
    order: (o: OrderLine) =>
      `订单 ${o.id}：${STATUS['zh-CN'][o.status] ?? o.status}` +
      (o.carrier || o.tracking
        ? `，${o.carrier ?? '快递'} 运单号 ${o.tracking ?? '—'}${o.shipment ? `（${SHIPMENT['zh-CN'][o.shipment] ?? o.shipment}）` : ''}`
        : '') +
      '。',
  },
  en: {
    greeting:
      'Hello! I am the help bot. Ask me anything, e.g. "How do I return an item?" or "Where is my parcel?". Type "agent" for a person.',
    answer: 'Here is what I found:',
    more: 'Read more',
    clarify: 'Which of these do you mean? Reply with its number:',
    handoff: 'Connecting you to a person. They will see our conversation so far.',
    whoAreYou: 'To look up your orders I need to know who you are: leave the phone or e-mail you ordered with below, or type "agent".',
    noOrders: 'I found no orders of yours. If you ordered with another phone or e-mail, leave it below, or type "agent".',
    order: (o: OrderLine) =>
      `Order ${o.id}: ${STATUS.en[o.status] ?? o.status}` +
      (o.carrier || o.tracking
        ? `, ${o.carrier ?? 'carrier'} tracking ${o.tracking ?? '—'}${o.shipment ? ` (${SHIPMENT.en[o.shipment] ?? o.shipment})` : ''}`
        : '') +
      '.',
  },
} as const;

const STATUS: Record<KbLanguage, Record<string, string>> = {
  'zh-CN': {
    pending_payment: '待付款',
    paid: '已付款，等待发货',
    shipped: '已发货',
    delivered: '已签收',
    completed: '已完成',
    cancelled: '已取消',
    refunded: '已退款',
    partially_refunded: '部分退款',
  },
  en: {
    pending_payment: 'awaiting payment',
    paid: 'paid, not shipped yet',
    shipped: 'shipped',
    delivered: 'delivered',
    completed: 'completed',
    cancelled: 'cancelled',
    refunded: 'refunded',
    partially_refunded: 'partly refunded',
  },
};
const SHIPMENT: Record<KbLanguage, Record<string, string>> = {
  'zh-CN': {
    pending: '待揽收',
    in_transit: '运输中',
    out_for_delivery: '派送中',
    delivered: '已签收',
    failed: '投递失败',
    returned: '已退回',
  },
  en: {
    pending: 'awaiting pickup',
    in_transit: 'in transit',
    out_for_delivery: 'out for delivery',
    delivered: 'delivered',
    failed: 'delivery failed',
    returned: 'returned',
  },
};

type OrderLine = { id: string; status: string; carrier: string | null; tracking: string | null; shipment: string | null };

/** The person's three latest orders with their latest parcel: what "where is my parcel" asks about. */
async function ordersOf(db: Db, customerId: number): Promise<OrderLine[]> {
  const rows = await db
    .selectFrom('orders as o')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('shipments as s')
          .select(['s.carrier', 's.tracking_number', 's.status'])
          .whereRef('s.order_id', '=', 'o.id')
          .orderBy('s.id', 'desc')
          .limit(1)
          .as('s'),
      (j) => j.onTrue(),
    )
    .select(['o.external_id', 'o.status', 's.carrier', 's.tracking_number', 's.status as shipment'])
    .where('o.customer_id', '=', customerId)
    .where('o.status', '<>', 'cancelled')
    .orderBy('o.placed_at', 'desc')
    .limit(3)
    .execute();
  return rows.map((r) => ({ id: r.external_id, status: r.status, carrier: r.carrier, tracking: r.tracking_number, shipment: r.shipment }));
}

export type Asked = {
  visitor: string;
  text: string;
  language: KbLanguage;
  channel: 'chat' | 'help';
  /** The person the visitor is known to be (their chat stitched to them), else null: no order is told to a stranger. */
  customerId: number | null;
};

async function conversationOf(db: Db, a: Asked, now: Date) {
  const open = await db
    .selectFrom('bot_conversations')
    .selectAll()
    .where('visitor', '=', a.visitor)
    .where('channel', '=', a.channel)
    .where('ticket_id', 'is', null)
    .where('last_at', '>', new Date(now.getTime() - CONVERSATION_MS))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (open) {
    await db
      .updateTable('bot_conversations')
      .set({ last_at: now, customer_id: a.customerId ?? open.customer_id })
      .where('id', '=', open.id)
      .execute();
    return Number(open.id);
  }
  const row = await db
    .insertInto('bot_conversations')
    .values({ visitor: a.visitor, channel: a.channel, customer_id: a.customerId, language: a.language, started_at: now, last_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

const articleAnswer = (t: (typeof TEXT)[KbLanguage], hit: SearchHit): Omit<BotAnswer, 'handoff'> => ({
  kind: 'article',
  text: `${t.answer}${hit.title}\n${hit.snippet}`,
  articles: [{ id: hit.id, title: hit.title, url: hit.url }],
  confidence: hit.confidence,
});

/**
 * The FAQ bot, run here without any model service: a greeting, an order question answered from the identified
 * person's own orders, a choice between two tied articles resolved by the reply's number, else the knowledge base's
 * best article when its confidence is high enough. Anything else — a person asked for, a question no article covers
 * with confidence — goes to an agent with the conversation so far. Every turn is logged (the question encrypted:
 * people write their details into it); the unanswered ones are the articles to write.
 */
export async function askBot(ctx: AppContext, a: Asked): Promise<BotAnswer & { conversationId: number }> {
  const now = ctx.clock.now();
  const t = TEXT[a.language];
  const conversationId = await conversationOf(ctx.db, a, now);
  const previous = await ctx.db
    .selectFrom('bot_turns')
    .select(['kind', 'article_ids'])
    .where('conversation_id', '=', conversationId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const answer = await decide(ctx, a, t, previous, now);
  const handoff = answer.kind === 'handoff' || answer.kind === 'unanswered';
  const final = handoff ? { ...answer, text: t.handoff } : answer;
  await ctx.db
    .insertInto('bot_turns')
    .values({
      conversation_id: conversationId,
      question_enc: encryptField(ctx.keyring, a.text),
      kind: final.kind,
      answer: final.text,
      article_ids: final.articles.map((x) => x.id),
      confidence: final.confidence,
      at: now,
    })
    .execute();
  return { ...final, handoff, conversationId };
}

async function decide(
  ctx: AppContext,
  a: Asked,
  t: (typeof TEXT)[KbLanguage],
  previous: { kind: BotTurnKind; article_ids: number[] } | undefined,
  now: Date,
): Promise<Omit<BotAnswer, 'handoff'>> {
  const none = { articles: [], confidence: 0 };
  if (ASKS_FOR_PERSON.test(a.text)) return { kind: 'handoff', text: t.handoff, ...none, confidence: 1 };
  if (GREETING.test(a.text.trim())) return { kind: 'greeting', text: t.greeting, ...none, confidence: 1 };
  const choice = /^\s*([1-9])\s*$/.exec(a.text);
  if (previous?.kind === 'clarify' && choice) {
    // bigint[]: strings from PostgreSQL, numbers from the embedded database.
    const id = previous.article_ids[Number(choice[1]) - 1];
    const hit = id === undefined ? undefined : await offered(ctx, Number(id), a.language);
    if (hit) return articleAnswer(t, hit);
  }
  if (ORDER_QUESTION.test(a.text)) {
    if (a.customerId === null) return { kind: 'order_status', text: t.whoAreYou, ...none };
    const orders = await ordersOf(ctx.db, a.customerId);
    return {
      kind: 'order_status',
      text: orders.length ? orders.map(t.order).join('\n') : t.noOrders,
      ...none,
      confidence: orders.length ? 1 : 0,
    };
  }
  const hits = await searchArticles(ctx.db, ctx.config.publicUrl, {
    q: a.text,
    language: a.language,
    limit: 3,
    internal: false,
    source: 'bot',
    now,
  });
  const [first, second] = hits;
  if (!first || first.confidence < ANSWER_CONFIDENCE)
    return { kind: 'unanswered', text: t.handoff, ...none, confidence: first?.confidence ?? 0 };
  if (second && second.confidence >= ANSWER_CONFIDENCE && first.confidence - second.confidence < TIE) {
    const options = [first, second];
    return {
      kind: 'clarify',
      text: `${t.clarify}\n${options.map((h, i) => `${i + 1}. ${h.title}`).join('\n')}`,
      articles: options.map((h) => ({ id: h.id, title: h.title, url: h.url })),
      confidence: first.confidence,
    };
  }
  return articleAnswer(t, first);
}

/** The article a clarifying question offered, in the visitor's language when it has one. */
async function offered(ctx: AppContext, id: number, language: KbLanguage): Promise<SearchHit | undefined> {
  const texts = await ctx.db
    .selectFrom('kb_article_texts as t')
    .innerJoin('kb_articles as a', 'a.id', 't.article_id')
    .select(['a.slug', 't.language', 't.title', 't.body'])
    .where('t.article_id', '=', id)
    .where('a.status', '=', 'published')
    .where('a.visibility', '=', 'public')
    .execute();
  const x = texts.find((r) => r.language === language) ?? texts[0];
  if (!x) return undefined;
  const snippet = plainText(x.body);
  return {
    id,
    slug: x.slug,
    language: x.language,
    title: x.title,
    snippet: snippet.length > 140 ? `${snippet.slice(0, 140)}…` : snippet,
    visibility: 'public',
    confidence: 1,
    url: articleUrl(ctx.config.publicUrl, x.slug, x.language),
  };
}

/** The conversation so far, for the agent who takes it over: the visitor's questions and the bot's answers in order. */
export async function transcriptOf(ctx: AppContext, conversationId: number): Promise<{ author: 'customer' | 'bot'; text: string }[]> {
  const turns = await ctx.db
    .selectFrom('bot_turns')
    .select(['question_enc', 'answer'])
    .where('conversation_id', '=', conversationId)
    .orderBy('id')
    .execute();
  return turns.flatMap((x) => [
    { author: 'customer' as const, text: decryptField(ctx.keyring, x.question_enc) },
    { author: 'bot' as const, text: x.answer },
  ]);
}

/** Marks a conversation as handed over to this ticket (it ends there; the visitor's next question starts anew). */
export async function handedOver(db: Db, conversationId: number, ticketId: number): Promise<void> {
  await db.updateTable('bot_conversations').set({ ticket_id: ticketId }).where('id', '=', conversationId).execute();
}
