import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import { type SmtpSink, freePort, startSmtpSink } from '../../../test/smtp-sink.ts';
import type { Patron } from '../../app.ts';
import { createUser } from '../auth/index.ts';
import { callbackToken, closeTransports, sendDue } from '../messaging/index.ts';
import { dispatchEvents } from '../../events/index.ts';
import { patronComposition } from '../../modules.ts';
import { seedDemoService } from '../demo/index.ts';
import { feedbackToken } from './csat.ts';
import { serviceSettingsOf } from './settings.ts';
import { openTicket } from './tickets.ts';
import { serviceTick } from './work.ts';

/** A local time in Shanghai (the desk's default calendar). */
const sh = (local: string) => new Date(`${local}+08:00`);

describe('service desk', () => {
  let patron: Patron;
  let owner: Session;
  let agent: Session;
  let agentId: number;
  let sink: SmtpSink;
  let supportPort: number;
  const api = apiAs(
    () => patron,
    () => owner,
  );
  const agentApi = apiAs(
    () => patron,
    () => agent,
  );
  const at = (now: Date) => ({ ...patron.ctx, clock: { now: () => now } });
  /** What a customer's mail client does: one message to the support listener over SMTP. */
  const mailIn = (m: {
    from: string;
    subject: string;
    text: string;
    messageId: string;
    inReplyTo?: string;
    references?: string[];
    attachments?: object[];
  }) =>
    createTransport({ host: '127.0.0.1', port: supportPort, secure: false, ignoreTLS: true }).sendMail({
      to: 'help@shop.example.com',
      ...m,
    });
  const ticketOf = async (id: number) => {
    const res = await api('GET', `/tickets/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const newest = async () =>
    Number((await patron.ctx.db.selectFrom('tickets').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).id);

  beforeAll(async () => {
    sink = await startSmtpSink();
    supportPort = await freePort();
    patron = await startTestPatron({ publicUrl: 'https://crm.example.com', supportSmtpPort: supportPort, host: '127.0.0.1' });
    owner = await signIn(patron);
    const created = await createUser(patron.ctx.db, {
      email: 'xiaomei@shop.example.com',
      name: 'Xiaomei',
      role: 'service_agent',
      password: 'agent-password-1',
      actor: { type: 'system', id: null, label: 't', ip: null },
      actorRole: null,
    });
    agentId = created.user.id;
    agent = await signIn(patron, 'xiaomei@shop.example.com', 'agent-password-1');
    expect((await api('PUT', '/settings/messaging/smtp', { host: '127.0.0.1', port: sink.port, secure: false, pool: 1 })).statusCode).toBe(
      200,
    );
    const rules = (await api('GET', '/settings/messaging')).json();
    expect((await api('PUT', '/settings/messaging', { ...rules, emailFrom: 'Shop <help@shop.example.com>' })).statusCode).toBe(200);
    const settings = (await api('GET', '/service/settings')).json();
    const saved = await api('PUT', '/service/settings', {
      ...settings,
      supportAddress: 'help@shop.example.com',
      queues: [
        { key: 'general', name: '售后', agentIds: [agentId], leadId: null, assignment: 'round_robin', types: ['other', 'after_sale'] },
        { key: 'vip', name: 'VIP', agentIds: [], types: ['pre_sale'] },
      ],
      macros: [
        {
          key: 'shipped',
          name: '已发货',
          body: '{{ customer.name }}您好，工单 #{{ ticket.id }} 的包裹已发出。',
          status: 'pending',
          addTags: ['物流'],
        },
      ],
    });
    expect(saved.statusCode, saved.body).toBe(200);
  });
  afterAll(async () => {
    closeTransports();
    await patron.close();
    await sink.close();
  });

  it('turns mail to the support address into a ticket, sends the reply in its thread, and threads the answer back', async () => {
    await mailIn({
      from: '"王芳" <wang.fang@example.com>',
      subject: '包裹还没到',
      text: '我的订单 TB123 一周了还没到，请帮忙查一下。',
      messageId: '<first-1@mail.example.com>',
      attachments: [{ filename: '截图.png', content: Buffer.from('89504e470d0a1a0a', 'hex'), contentType: 'image/png' }],
    });
    const id = await newest();
    let t = await ticketOf(id);
    expect(t).toMatchObject({
      subject: '包裹还没到',
      channel: 'email',
      status: 'open',
      queue: 'general',
      assigneeId: agentId,
      customerName: '王芳',
    });
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({ author: 'customer', body: '我的订单 TB123 一周了还没到，请帮忙查一下。' });
    expect(t.messages[0].attachments).toMatchObject([{ fileName: '截图.png', contentType: 'image/png' }]);
    expect(t.sla.map((c: { metric: string }) => c.metric).sort()).toEqual(['first_reply', 'resolution']);

    // The same mail delivered again (a retrying MTA) is one message.
    await mailIn({ from: 'wang.fang@example.com', subject: '包裹还没到', text: 'again', messageId: '<first-1@mail.example.com>' });
    expect(await newest()).toBe(id);

    const reply = await agentApi('POST', `/tickets/${id}/replies`, { body: '您好，已为您催促快递。\n单号 SF100。' });
    expect(reply.statusCode, reply.body).toBe(201);
    t = reply.json();
    expect(t.status).toBe('pending');
    expect(t.sla.find((c: { metric: string }) => c.metric === 'first_reply').metAt).not.toBeNull();
    await sendDue(patron.ctx);
    expect(sink.mails).toHaveLength(1);
    const sent = await simpleParser(sink.mails[0]);
    expect(sent.to).toMatchObject({ value: [{ address: 'wang.fang@example.com' }] });
    expect(sent.subject).toBe(`Re: 包裹还没到 [#${id}]`);
    expect(sent.inReplyTo).toBe('<first-1@mail.example.com>');
    expect(sent.replyTo?.value[0].address).toBe('help@shop.example.com');
    expect(sent.text).toContain('单号 SF100');

    // The customer answers from their mail client: the quoted thread is cut, the ticket opens again.
    await mailIn({
      from: 'wang.fang@example.com',
      subject: `Re: ${sent.subject}`,
      text: `收到，谢谢！\n\n在 2026年12月4日 10:00，Shop 写道：\n> 您好，已为您催促快递。`,
      messageId: '<answer-2@mail.example.com>',
      inReplyTo: sent.messageId,
      references: ['<first-1@mail.example.com>', sent.messageId as string],
    });
    expect(await newest()).toBe(id);
    t = await ticketOf(id);
    expect(t.status).toBe('open');
    expect(t.messages.map((m: { author: string; body: string }) => [m.author, m.body])).toEqual([
      ['customer', '我的订单 TB123 一周了还没到，请帮忙查一下。'],
      ['agent', '您好，已为您催促快递。\n单号 SF100。'],
      ['customer', '收到，谢谢！'],
    ]);
    expect(t.sla.find((c: { metric: string }) => c.metric === 'next_reply')).toMatchObject({ metAt: null, paused: false });

    // Auto-replies never open tickets (no mail loops).
    const before = await newest();
    await createTransport({ host: '127.0.0.1', port: supportPort, ignoreTLS: true }).sendMail({
      from: 'robot@example.com',
      to: 'help@shop.example.com',
      subject: 'Out of office',
      text: 'I am away',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect(await newest()).toBe(before);
  });

  it('counts SLA time in business hours across the National Day holidays and a 调休 Saturday, warns before the breach', async () => {
    const settings = await serviceSettingsOf(patron.ctx.db);
    const open = (now: Date, subject: string) =>
      patron.ctx.db.transaction().execute((trx) =>
        openTicket(
          trx,
          { db: trx, keyring: patron.ctx.keyring, now, settings },
          {
            subject,
            body: '咨询',
            type: 'other',
            priority: 'normal',
            channel: 'api',
            customer: { phone: '13800138001' },
            tags: [],
            orderRefs: [],
            fields: {},
          },
          'customer',
        ),
      );
    // Wednesday 30 September, 17:00: one working hour left; 1–7 October are off; the standard first reply is 4 hours.
    const a = (await open(sh('2026-09-30T17:00:00'), '节前咨询')).ticketId;
    const clock = async (id: number, metric: 'first_reply' | 'resolution') =>
      patron.ctx.db.selectFrom('sla_clocks').selectAll().where('ticket_id', '=', id).where('metric', '=', metric).executeTakeFirstOrThrow();
    expect((await clock(a, 'first_reply')).due_at).toEqual(sh('2026-10-08T12:00:00'));
    expect((await clock(a, 'first_reply')).warn_at).toEqual(sh('2026-10-08T11:00:00'));
    // Friday 9 October, 17:00: Saturday the 10th is a make-up working day.
    const b = (await open(sh('2026-10-09T17:00:00'), '调休咨询')).ticketId;
    expect((await clock(b, 'first_reply')).due_at).toEqual(sh('2026-10-10T12:00:00'));

    await serviceTick(at(sh('2026-10-08T11:30:00')));
    expect((await clock(a, 'first_reply')).warned_at).not.toBeNull();
    expect((await clock(a, 'first_reply')).breached_at).toBeNull();
    const { alertsOf } = await import('./queries.ts');
    const alerts = await alertsOf(patron.ctx.db, agentId, sh('2026-10-01T00:00:00'));
    expect(alerts.filter((x) => x.ticketId === a).map((x) => x.action)).toEqual(['sla.warning']);
    await serviceTick(at(sh('2026-10-08T12:30:00')));
    expect((await clock(a, 'first_reply')).breached_at).toEqual(sh('2026-10-08T12:00:00'));
    const breaching = (await api('GET', '/tickets?view=breaching&limit=200')).json();
    expect(breaching.items.map((x: { id: number }) => x.id)).toContain(a);
    expect(breaching.items.find((x: { id: number }) => x.id === a).breached).toBe(true);
    // A ticket whose clocks still run: not breached, due when its first reply is.
    const listed = (await api('GET', '/tickets?view=all_open&limit=200')).json();
    expect(listed.items.find((x: { id: number }) => x.id === b)).toMatchObject({
      breached: false,
      nextDueAt: (await clock(b, 'first_reply')).due_at?.toISOString(),
    });

    // Pending on the customer pauses the clock: an hour of waiting does not count.
    const c = (await open(sh('2026-11-02T09:00:00'), '暂停')).ticketId;
    const pend = (status: string, now: Date) =>
      patron.ctx.db.transaction().execute(async (trx) => {
        const { updateTicket } = await import('./tickets.ts');
        await updateTicket(
          trx,
          { db: trx, keyring: patron.ctx.keyring, now, settings },
          c,
          { status: status as never },
          {
            type: 'system',
            id: null,
            label: 't',
            ip: null,
          },
        );
      });
    await pend('pending', sh('2026-11-02T10:00:00'));
    expect(await clock(c, 'resolution')).toMatchObject({ running_since: null, due_at: null, spent_minutes: 60 });
    await pend('open', sh('2026-11-02T11:00:00'));
    // The standard resolution target is 2,400 business minutes (nine-hour days): 2,340 left from 11:00, done on Friday.
    expect((await clock(c, 'resolution')).due_at).toEqual(sh('2026-11-06T14:00:00'));
  });

  it('makes an SMS reply that is no opt-out a conversation, once, continued by the next reply', async () => {
    const push = (items: object[]) =>
      patron.http.inject({ method: 'POST', url: `/hooks/sms/aliyun/${callbackToken(patron.ctx.keyring, 'aliyun')}`, payload: items });
    const reply = { phone_number: '13900139000', content: '衣服有点小，可以换吗？', send_time: '2026-12-04 10:00:00' };
    expect((await push([reply])).statusCode).toBe(200);
    expect((await push([reply])).statusCode).toBe(200);
    await push([{ phone_number: '13900139000', content: 'TD', send_time: '2026-12-04 10:01:00' }]);
    while ((await dispatchEvents(patron.ctx, patronComposition.subscriptions)) > 0);
    const id = await newest();
    let t = await ticketOf(id);
    expect(t).toMatchObject({ channel: 'sms', subject: '衣服有点小，可以换吗？', status: 'open' });
    expect(t.messages).toHaveLength(1);
    await push([{ phone_number: '13900139000', content: 'L 码', send_time: '2026-12-04 10:05:00' }]);
    while ((await dispatchEvents(patron.ctx, patronComposition.subscriptions)) > 0);
    t = await ticketOf(id);
    expect(t.messages.map((m: { body: string }) => m.body)).toEqual(['衣服有点小，可以换吗？', 'L 码']);
  });

  it('merges two tickets of one customer, keeping both threads, and later mail to the merged one lands on the other', async () => {
    const first = await api('POST', '/tickets', {
      subject: '换货',
      body: '想换成 M 码',
      customer: { email: 'li.lei@example.com' },
      externalId: 'qn-1',
    });
    expect(first.statusCode, first.body).toBe(201);
    const again = await api('POST', '/tickets', {
      subject: '换货',
      body: '想换成 M 码',
      customer: { email: 'li.lei@example.com' },
      externalId: 'qn-1',
    });
    expect(again.json()).toEqual({ id: first.json().id, created: false });
    const second = await api('POST', '/tickets', { subject: '换货进度', body: '换货寄出了吗', customer: { email: 'li.lei@example.com' } });
    const other = await api('POST', '/tickets', { subject: '别人的', body: '...', customer: { email: 'someone@example.com' } });
    const bad = await api('POST', `/tickets/${second.json().id}/merge`, { into: other.json().id });
    expect(bad.statusCode).toBe(409);
    expect(bad.json().error.code).toBe('TICKET_MERGE_OTHER_CUSTOMER');
    const merged = await api('POST', `/tickets/${second.json().id}/merge`, { into: first.json().id });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json().messages.map((m: { body: string }) => m.body)).toEqual(['想换成 M 码', '换货寄出了吗']);
    const gone = await api('GET', `/tickets/${second.json().id}`);
    expect(gone.json()).toMatchObject({ mergedInto: first.json().id, status: 'closed' });
    const events = (await api('GET', `/tickets/${first.json().id}/events`)).json().items.map((e: { action: string }) => e.action);
    expect(events).toContain('merged_in');
    const posted = await api('POST', `/tickets/${second.json().id}/replies`, { body: 'x' });
    expect(posted.json().error.code).toBe('TICKET_MERGED');
    await mailIn({
      from: 'li.lei@example.com',
      subject: `Re: 换货进度 [#${second.json().id}]`,
      text: '寄出了吗？',
      messageId: '<merged-3@mail.example.com>',
    });
    expect((await ticketOf(first.json().id)).messages.at(-1)).toMatchObject({ author: 'customer', body: '寄出了吗？' });
    // Split the last question off to a ticket of its own; splitting everything is refused.
    const thread = (await ticketOf(first.json().id)).messages as { id: number; body: string }[];
    const last = thread.at(-1) as { id: number };
    expect(
      (await api('POST', `/tickets/${first.json().id}/split`, { messageIds: thread.map((m) => m.id), subject: 'x' })).json().error.code,
    ).toBe('TICKET_SPLIT_NOTHING');
    const split = await api('POST', `/tickets/${first.json().id}/split`, { messageIds: [last.id], subject: '物流查询' });
    expect(split.statusCode, split.body).toBe(201);
    expect(split.json()).toMatchObject({ subject: '物流查询', status: 'open', messages: [{ body: '寄出了吗？' }] });
    expect((await ticketOf(first.json().id)).messages.map((m: { body: string }) => m.body)).not.toContain('寄出了吗？');
  });

  it('asks for CSAT once, a day after solving, on the survey engine, and records the answer on the ticket', async () => {
    const t0 = new Date();
    const res = await api('POST', '/tickets', { subject: '发票', body: '请开发票', customer: { email: 'zhao@example.com' } });
    const id = res.json().id as number;
    expect((await api('PATCH', `/tickets/${id}`, { status: 'solved' })).statusCode).toBe(200);
    const request = await patron.ctx.db.selectFrom('feedback_requests').selectAll().where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(request.send_at.getTime() - t0.getTime()).toBeGreaterThan(23.9 * 3_600_000);
    const queued = () =>
      patron.ctx.db.selectFrom('messages').select(['id', 'template_key', 'variables']).where('key', 'like', 'csat:%').execute();
    await serviceTick(at(new Date(t0.getTime() + 3_600_000)));
    expect(await queued()).toEqual([]);
    await serviceTick(at(new Date(t0.getTime() + 25 * 3_600_000)));
    expect((await queued()).map((m) => m.template_key)).toEqual(['service.csat']);
    // Reopened by the customer and solved again: no second survey.
    await api('POST', `/tickets/${id}/customer-messages`, { body: '还有一张' });
    expect((await ticketOf(id)).status).toBe('open');
    await api('PATCH', `/tickets/${id}`, { status: 'solved' });
    await serviceTick(at(new Date(t0.getTime() + 60 * 3_600_000)));
    const [sent] = await queued();
    expect(await queued()).toHaveLength(1);

    // The link opens the desk's CSAT survey about this ticket; the rating counts as soon as it is given.
    const link = new URL((sent.variables as { survey_url: string }).survey_url).pathname;
    expect(link).toMatch(/^\/s\//);
    const form = (body: string) =>
      patron.http.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
    const dispatch = async () => {
      while ((await dispatchEvents(patron.ctx, patronComposition.subscriptions)) > 0);
    };
    const page = await patron.http.inject({ method: 'GET', url: link, headers: { 'accept-language': 'zh-CN' } });
    expect(page.body).toContain('您对这次服务的满意程度如何？');
    expect((await form('q=csat&value=2')).statusCode).toBe(303);
    await dispatch();
    expect((await ticketOf(id)).csat).toMatchObject({ rating: 2, comment: null });
    expect((await form('q=comment&value=%E5%BE%88%E5%BF%AB')).statusCode).toBe(303);
    expect((await form('q=csat&value=4')).statusCode).toBe(303);
    await dispatch();
    expect((await ticketOf(id)).csat).toMatchObject({ rating: 4, comment: '很快' });
    const trail = await patron.ctx.db
      .selectFrom('ticket_events')
      .select('action')
      .where('ticket_id', '=', id)
      .where('action', '=', 'csat.answered')
      .execute();
    expect(trail).toHaveLength(2);

    // A link sent before the survey engine asked (the desk's own page) still records an answer.
    const token = feedbackToken(patron.ctx.keyring, Number(request.id));
    const old = await patron.http.inject({ method: 'GET', url: `/f/${token}?rating=5`, headers: { 'accept-language': 'zh-CN' } });
    expect(old.body).toContain('value="5" required checked');
    const answer = await patron.http.inject({
      method: 'POST',
      url: `/f/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
      payload: 'rating=5&comment=ok',
    });
    expect(answer.statusCode, answer.body).toBe(200);
    expect((await ticketOf(id)).csat).toMatchObject({ rating: 5, comment: 'ok' });
    expect((await patron.http.inject({ method: 'GET', url: `/f/${token.slice(0, -2)}xx` })).statusCode).toBe(404);
  });

  it('applies a macro, keeps agents to their queues when told, and refuses bad input with stable codes', async () => {
    const res = await api('POST', '/tickets', {
      subject: '发货',
      body: '什么时候发货',
      customer: { email: 'sun@example.com', name: '孙悟空' },
    });
    const id = res.json().id as number;
    const macro = await agentApi('POST', `/tickets/${id}/macros/shipped`);
    expect(macro.statusCode, macro.body).toBe(200);
    expect(macro.json().draft).toBe(`孙悟空您好，工单 #${id} 的包裹已发出。`);
    expect(macro.json().ticket).toMatchObject({ status: 'pending', tags: ['物流'] });

    const vip = await api('POST', '/tickets', {
      subject: '售前',
      body: '有货吗',
      type: 'pre_sale',
      customer: { email: 'vip@example.com' },
    });
    expect((await ticketOf(vip.json().id)).queue).toBe('vip');
    const settings = (await api('GET', '/service/settings')).json();
    await api('PUT', '/service/settings', { ...settings, agentsSeeOwnQueuesOnly: true });
    expect((await agentApi('GET', `/tickets/${vip.json().id}`)).statusCode).toBe(404);
    const list = (await agentApi('GET', '/tickets?view=all_open&limit=200')).json();
    expect(list.items.some((x: { id: number }) => x.id === vip.json().id)).toBe(false);
    expect(list.items.some((x: { id: number }) => x.id === id)).toBe(true);
    await api('PUT', '/service/settings', { ...settings, agentsSeeOwnQueuesOnly: false });

    for (const [method, url, body, code] of [
      ['POST', '/tickets', { subject: 'x', body: 'y' }, 'TICKET_NO_CUSTOMER'],
      ['POST', '/tickets', { subject: 'x', body: 'y', customerId: 99999999 }, 'CUSTOMER_NOT_FOUND'],
      ['POST', '/tickets', { subject: 'x', body: 'y', customer: { email: 'a@b.cn' }, queue: 'nope' }, 'SERVICE_QUEUE_NOT_FOUND'],
      ['PATCH', `/tickets/${id}`, { assigneeId: 99999 }, 'SERVICE_AGENT_NOT_FOUND'],
      ['PATCH', `/tickets/${id}`, { status: 'weird' }, 'VALIDATION_FAILED'],
      ['GET', '/tickets/99999999', undefined, 'TICKET_NOT_FOUND'],
      ['POST', `/tickets/${id}/macros/none`, undefined, 'SERVICE_MACRO_NOT_FOUND'],
    ] as const) {
      const r = await api(method, url, body);
      expect(r.statusCode, `${method} ${url} ${r.body}`).toBeGreaterThanOrEqual(400);
      expect(r.statusCode).toBeLessThan(500);
      expect(r.json().error.code).toBe(code);
    }
  });

  it('takes the public web form as a ticket from the person it names, and turns away an incomplete form and a bot', async () => {
    const post = (body: string) =>
      patron.http.inject({
        method: 'POST',
        url: '/support',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: body,
      });
    expect((await patron.http.inject({ method: 'GET', url: '/support' })).body).toContain('name="message"');
    const before = await newest();
    const ok = await post(
      new URLSearchParams({
        name: '钱多多',
        email: 'qian@example.com',
        subject: '发票',
        message: '需要增值税发票',
        order: 'TB888',
      }).toString(),
    );
    expect(ok.statusCode, ok.body).toBe(200);
    const id = await newest();
    expect(id).toBeGreaterThan(before);
    expect(await ticketOf(id)).toMatchObject({ channel: 'form', type: 'order', orderRefs: ['TB888'], customerName: '钱多多' });
    // Left with a phone only: the reply goes out by SMS.
    await post(new URLSearchParams({ phone: '13700137000', subject: '退货地址', message: '退货寄到哪里？' }).toString());
    const byPhone = await newest();
    await api('POST', `/tickets/${byPhone}/replies`, { body: '请寄到上海市仓库。' });
    const out = await patron.ctx.db
      .selectFrom('messages')
      .select(['template_key', 'channel'])
      .where('source', '=', `ticket:${byPhone}`)
      .execute();
    expect(out).toEqual([{ template_key: 'service.reply.sms', channel: 'sms' }]);
    expect((await post('subject=x&message=y')).statusCode).toBe(400);
    const bot = await post('subject=x&message=y&email=bot%40example.com&website=http%3A%2F%2Fspam');
    expect(bot.statusCode).toBe(200);
    expect(await newest()).toBe(byPhone);
  });

  it('builds the demo store’s desk: conversations on every channel, some answered and solved with their surveys due', async () => {
    const before = await newest();
    const opened = await seedDemoService(patron.ctx);
    expect(opened).toBeGreaterThan(3);
    const rows = await patron.ctx.db.selectFrom('tickets').select(['status', 'channel']).where('id', '>', before).execute();
    expect(rows).toHaveLength(opened);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['new', 'open', 'pending', 'solved']));
    const surveys = await patron.ctx.db.selectFrom('feedback_requests').select('id').where('subject_id', '>', before).execute();
    expect(surveys.length).toBeGreaterThan(0);
  });

  it('reports the desk: volume, reply times, SLA met by policy, agent, queue and week, backlog, CSAT, hours, complaints', async () => {
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const res = await api(
      'GET',
      `/service/report?from=${day(new Date(Date.now() - 86_400_000 * 400))}&to=${day(new Date(Date.now() + 86_400_000))}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.volume.reduce((n: number, v: { tickets: number }) => n + v.tickets, 0)).toBeGreaterThan(10);
    expect(r.firstReply.count).toBeGreaterThan(0);
    expect(r.firstReply.medianMinutes).not.toBeNull();
    expect(r.sla.some((x: { metric: string }) => x.metric === 'first_reply')).toBe(true);
    expect(r.slaByQueue.length).toBeGreaterThan(0);
    expect(r.slaByWeek.length).toBeGreaterThan(0);
    expect(r.csat).toContainEqual(expect.objectContaining({ by: 'type', answers: 1, average: 5 }));
    expect(r.complaints.length).toBeGreaterThan(0);
    expect(r.hours.length).toBeGreaterThan(0);
    expect((await api('GET', '/service/report?from=2026-13-01&to=x')).statusCode).toBe(400);
  });

  it('records a complaint’s particulars and escalates one left unanswered, once, with an alert', async () => {
    const opened = await api('POST', '/tickets', {
      subject: '收到的围巾有破洞',
      body: '刚收到就发现破了一个洞，太失望了',
      type: 'complaint',
      customer: { email: 'complainer@example.com' },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const id = opened.json().id;
    const saved = await api('PUT', `/tickets/${id}/complaint`, { severity: 'major', category: 'product_quality', skus: ['SCARF'] });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({
      type: 'complaint',
      complaint: { severity: 'major', category: 'product_quality', skus: ['SCARF'], escalatedAt: null },
    });
    expect((await api('PUT', `/tickets/${id}/complaint`, { severity: 'major', category: 'nope' })).json().error.code).toBe(
      'SERVICE_SETTINGS_INVALID',
    );
    expect((await api('PUT', `/tickets/${id}/complaint`, { severity: 'huge', category: 'other' })).statusCode).toBe(400);
    expect((await api('PUT', '/tickets/999999/complaint', { severity: 'minor', category: 'other' })).statusCode).toBe(404);

    // Four hours (the default) without an agent's reply: urgent, once.
    const later = new Date(Date.now() + 5 * 3_600_000);
    await serviceTick(at(later));
    await serviceTick(at(new Date(later.getTime() + 60_000)));
    const view = (await api('GET', `/tickets/${id}`)).json();
    expect(view.priority).toBe('urgent');
    expect(view.complaint.escalatedAt).not.toBeNull();
    const escalations = await patron.ctx.db
      .selectFrom('ticket_events')
      .select('action')
      .where('ticket_id', '=', id)
      .where('action', '=', 'complaint.escalated')
      .execute();
    expect(escalations).toHaveLength(1);

    const resolved = await api('PUT', `/tickets/${id}/complaint`, {
      severity: 'major',
      category: 'product_quality',
      skus: ['SCARF'],
      resolution: '补发新品并致歉',
      compensationKind: 'coupon',
      compensationAmount: 2000,
    });
    expect(resolved.json().complaint).toMatchObject({ resolution: '补发新品并致歉', compensationKind: 'coupon', compensationAmount: 2000 });
    const day = (d: Date) => d.toISOString().slice(0, 10);
    // Days are the store's (Asia/Shanghai): a window a day wider each way holds the complaint at any hour of the day.
    const causes = (
      await api('GET', `/returns/report?from=${day(new Date(Date.now() - 86_400_000))}&to=${day(new Date(later.getTime() + 86_400_000))}`)
    ).json().causes;
    expect(causes).toContainEqual(expect.objectContaining({ kind: 'complaint', reason: 'product_quality', sku: 'SCARF', count: 1 }));
  });
});
