import { sql } from 'kysely';
import type { TicketChannel, TicketType } from '../../../contracts/service.ts';
import type { AppContext } from '../../platform/context.ts';
import { openServiceTicket, postServiceReply } from '../service/index.ts';

const HOUR = 3_600_000;

/** What the demo store's customers wrote, and what the desk answered (null: not yet). */
const CONVERSATIONS: {
  subject: string;
  body: string;
  type: TicketType;
  channel: TicketChannel;
  hoursAgo: number;
  reply: string | null;
  solved: boolean;
}[] = [
  {
    subject: '快递三天没更新了',
    body: '订单显示已发货，但物流三天没有更新，麻烦帮我查一下。',
    type: 'order',
    channel: 'email',
    hoursAgo: 30,
    reply: '您好，已联系快递公司核实，包裹在转运中心滞留，预计明天派送。',
    solved: true,
  },
  {
    subject: '精华液可以和面霜一起用吗',
    body: '想买精华液，平时用的是你们家的面霜，可以叠加使用吗？',
    type: 'pre_sale',
    channel: 'chat',
    hoursAgo: 3,
    reply: '可以的，建议先用精华液再用面霜，效果更好。',
    solved: false,
  },
  {
    subject: '收到的口红断了',
    body: '今天收到的口红外壳破损，膏体断了，希望换一支。',
    type: 'complaint',
    channel: 'email',
    hoursAgo: 20,
    reply: '非常抱歉给您带来不便，已为您安排补发一支新的，请留意物流信息。',
    solved: true,
  },
  { subject: '想换大一码', body: '卫衣偏小，能换 L 码吗？', type: 'after_sale', channel: 'sms', hoursAgo: 8, reply: null, solved: false },
  {
    subject: '发票怎么开',
    body: '双十一的订单需要开公司抬头的发票。',
    type: 'order',
    channel: 'api',
    hoursAgo: 50,
    reply: '您好，请在订单详情页提交发票信息，我们会在 3 个工作日内开具。',
    solved: true,
  },
  {
    subject: '优惠券用不了',
    body: '满 200 减 30 的券结算时提示不可用。',
    type: 'other',
    channel: 'chat',
    hoursAgo: 1,
    reply: null,
    solved: false,
  },
  {
    subject: '客服态度不好',
    body: '上次咨询退货，客服很久才回复，而且没有解决问题。',
    type: 'complaint',
    channel: 'email',
    hoursAgo: 5,
    reply: null,
    solved: false,
  },
  {
    subject: '会员积分没到账',
    body: '上周的订单积分还没有到账。',
    type: 'other',
    channel: 'email',
    hoursAgo: 12,
    reply: '积分在订单签收 14 天后生效，届时会自动到账。',
    solved: false,
  },
];

/**
 * The demo store's service desk: a few conversations from its customers on every channel — some answered, some solved
 * (their satisfaction surveys queued), some waiting — so the inbox, the SLA clocks and the report show the loop.
 * Returns the tickets opened.
 */
export async function seedDemoService(ctx: AppContext): Promise<number> {
  const owner = await ctx.db.selectFrom('users').select(['id', 'name']).where('role', '=', 'owner').orderBy('id').executeTakeFirst();
  const people = await sql<{
    id: number;
  }>`select id from customers where merged_into is null order by id limit ${CONVERSATIONS.length}`.execute(ctx.db);
  const actor = { type: 'user' as const, id: owner ? Number(owner.id) : null, label: owner?.name ?? 'demo store', ip: null };
  let opened = 0;
  for (const [i, c] of CONVERSATIONS.entries()) {
    const person = people.rows[i];
    if (!person) break;
    const at = (h: number) => ({ ...ctx, clock: { now: () => new Date(Date.now() - h * HOUR) } });
    await ctx.db.transaction().execute(async (trx) => {
      const { id } = await openServiceTicket(trx, at(c.hoursAgo), {
        subject: c.subject,
        body: c.body,
        type: c.type,
        channel: c.channel,
        customerId: Number(person.id),
      });
      if (c.reply)
        await postServiceReply(
          trx,
          at(c.hoursAgo - 0.5),
          id,
          { body: c.reply, kind: 'reply', status: c.solved ? 'solved' : 'pending' },
          actor,
        );
      opened++;
    });
  }
  return opened;
}
