import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, apiAs, signIn, startTestPatron } from '../../../test/app.ts';
import { visitor } from '../../../test/chat-visitor.ts';
import type { Patron } from '../../app.ts';
import { resolveCustomer } from '../identity/index.ts';
import { serviceTick } from './work.ts';

describe('chat widget', () => {
  let patron: Patron;
  let owner: Session;
  let base: string;
  const api = apiAs(
    () => patron,
    () => owner,
  );

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    base = await patron.http.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => patron.close());

  it('serves the one-tag script', async () => {
    const res = await fetch(`${base}/chat/widget.js`);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(await res.text()).toContain('ajs_anonymous_id');
  });

  it('takes a visitor’s message as a chat ticket, pushes the agent’s answer, and gives the ticket its person on identify', async () => {
    const v = await visitor(base, 'anon-visitor-0001');
    await v.until((f) => f.type === 'history');
    v.say({ type: 'message', text: '这件外套有 S 码吗？' });
    // No article answers it: the bot hands the visitor to an agent at once, its own line in the ticket.
    await v.until((f) => f.type === 'bot' && f.handoff === true);
    const echo = await v.until((f) => f.type === 'messages');
    expect(echo.messages).toMatchObject([{ author: 'customer', body: '这件外套有 S 码吗？' }, { author: 'bot' }]);
    const ticket = await patron.ctx.db
      .selectFrom('tickets')
      .selectAll()
      .where('anonymous_id', '=', 'anon-visitor-0001')
      .executeTakeFirstOrThrow();
    expect(ticket).toMatchObject({ channel: 'chat', customer_id: null, type: 'pre_sale', status: 'new' });

    const found = await api('GET', '/tickets?view=all_open&channel=chat&limit=200&q=%E5%A4%96%E5%A5%97');
    expect(found.json().items.map((x: { id: number }) => x.id)).toEqual([Number(ticket.id)]);
    const reply = await api('POST', `/tickets/${ticket.id}/replies`, { body: '有的，S 码有货。' });
    expect(reply.statusCode, reply.body).toBe(201);
    await v.until((f) => f.type === 'messages' && f.messages?.some((m) => m.author === 'agent') === true);
    // Internal notes never reach the visitor.
    await api('POST', `/tickets/${ticket.id}/replies`, { body: '库存只剩 2 件', kind: 'note' });

    // A second tab of the same visitor gets the whole conversation, notes left out.
    const tab = await visitor(base, 'anon-visitor-0001');
    const history = await tab.until((f) => f.type === 'history');
    expect(history.messages?.map((m) => m.author)).toEqual(['customer', 'bot', 'agent']);
    expect(history.messages?.map((m) => m.body)).toContain('有的，S 码有货。');

    v.say({ type: 'identify', email: 'visitor@example.com' });
    await v.until((f) => f.type === 'identified');
    const after = await patron.ctx.db.selectFrom('tickets').select('customer_id').where('id', '=', ticket.id).executeTakeFirstOrThrow();
    expect(after.customer_id).not.toBeNull();
    v.ws.close();
    tab.ws.close();
  });

  it('attaches a visitor’s chat once an identify through tracking stitches their anonymous id', async () => {
    const v = await visitor(base, 'anon-visitor-0002');
    await v.until((f) => f.type === 'history');
    v.say({ type: 'message', text: '可以开发票吗？' });
    await v.until((f) => f.type === 'messages');
    const id = await patron.ctx.db.transaction().execute(async (trx) =>
      resolveCustomer(trx, patron.ctx.keyring, {
        identifiers: [
          { kind: 'email', value: 'known@example.com' },
          { kind: 'anonymous', value: 'anon-visitor-0002' },
        ],
        source: 'test identify',
        now: new Date(),
      }),
    );
    await serviceTick(patron.ctx);
    const t = await patron.ctx.db
      .selectFrom('tickets')
      .select('customer_id')
      .where('anonymous_id', '=', 'anon-visitor-0002')
      .executeTakeFirstOrThrow();
    expect(Number(t.customer_id)).toBe(id.customerId);
    v.ws.close();
  });

  it('refuses a bad frame and a flood with stable codes, and a socket without a visitor id', async () => {
    const v = await visitor(base, 'anon-visitor-0003');
    await v.until((f) => f.type === 'history');
    v.ws.send('not json');
    await v.until((f) => f.code === 'INVALID_MESSAGE');
    for (let i = 0; i < 8; i++) v.say({ type: 'message', text: `刷屏 ${i}` });
    await v.until((f) => f.code === 'RATE_LIMITED');
    v.ws.close();
    const bad = new WebSocket(`${base.replace(/^http/, 'ws')}/chat/ws`);
    const code = await new Promise((resolve) => bad.on('close', (c) => resolve(c)));
    expect(code).toBe(1008);
  });
});
