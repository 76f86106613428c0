import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { type ChatPeer, chatHistory, chatHub, chatIdentify, visitorWrote } from './chat.ts';
import { WIDGET_SCRIPT } from './widget.ts';

const connectQuery = z.object({
  aid: z
    .string()
    .trim()
    .min(8)
    .max(100)
    .regex(/^[\w.:-]+$/),
  lang: z.enum(['zh-CN', 'en']).default('zh-CN'),
});
const inbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), text: z.string().trim().min(1).max(5000) }),
  z
    .object({
      type: z.literal('identify'),
      email: z.string().max(320).optional(),
      phone: z.string().max(40).optional(),
      name: z.string().max(100).optional(),
    })
    .refine((x) => x.email || x.phone),
  z.object({ type: z.literal('ping') }),
]);

/** Messages a visitor may send in a burst, and how fast the allowance comes back (one a second). */
const BURST = 5;

/**
 * The chat widget: `<script src="https://crm.example.com/chat/widget.js" async></script>` on the shop's pages puts a chat
 * button on them; `/chat/ws?aid=<anonymous id>` is its WebSocket. The visitor is the tracking anonymous id the
 * analytics SDK keeps (or one the widget keeps itself): their earlier chat comes back on connect, agents' replies are
 * pushed as they are sent, and leaving an e-mail or phone stitches them to their person like any identify. The FAQ bot
 * answers first (with article links) until it hands the conversation to an agent.
 */
export async function registerChat(app: FastifyInstance, ctx: AppContext) {
  await app.register(websocket, { options: { maxPayload: 16_384 } });
  app.get('/chat/widget.js', async (_request, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*')
      .send(WIDGET_SCRIPT),
  );
  app.get('/chat/ws', { websocket: true }, (socket, request) => {
    const q = connectQuery.safeParse(request.query);
    if (!q.success) {
      socket.close(1008, 'aid required');
      return;
    }
    const aid = q.data.aid;
    const peer: ChatPeer = { anonymousId: aid, send: (data) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(data)) };
    let allowance = BURST;
    const refill = setInterval(() => {
      allowance = Math.min(BURST, allowance + 1);
    }, 1000);
    // Messages are handled one at a time, in the order the visitor sent them.
    let chain: Promise<unknown> = chatHistory(ctx, aid).then(
      (h) => {
        if (h.ticketId !== null) chatHub.join(h.ticketId, peer, h.messages.at(-1)?.id ?? 0);
        peer.send({ type: 'history', messages: h.messages });
      },
      (err: unknown) => request.log.error({ err }, 'chat history failed'),
    );
    socket.on('message', (raw: Buffer) => {
      chain = chain.then(async () => {
        let parsed: z.infer<typeof inbound>;
        try {
          parsed = inbound.parse(JSON.parse(raw.toString('utf8')));
        } catch {
          return peer.send({ type: 'error', code: 'INVALID_MESSAGE' });
        }
        if (parsed.type === 'ping') return peer.send({ type: 'pong' });
        if (allowance <= 0) return peer.send({ type: 'error', code: 'RATE_LIMITED' });
        allowance--;
        try {
          if (parsed.type === 'identify') {
            await chatIdentify(ctx, aid, parsed);
            return peer.send({ type: 'identified' });
          }
          const { answer, ticketId } = await visitorWrote(ctx, aid, parsed.text, q.data.lang);
          if (answer) {
            peer.send({ type: 'said', text: parsed.text });
            peer.send({ type: 'bot', text: answer.text, articles: answer.articles, handoff: answer.handoff });
          }
          if (ticketId === null) return;
          // Handed over: the conversation is the ticket's now, shown again from its first line.
          if (answer?.handoff) peer.send({ type: 'handoff' });
          chatHub.join(ticketId, peer, 0);
          await chatHub.publish(ctx, ticketId);
        } catch (err) {
          request.log.error({ err }, 'chat message not taken');
          peer.send({ type: 'error', code: 'UNAVAILABLE' });
        }
      });
    });
    socket.on('close', () => {
      clearInterval(refill);
      chatHub.leave(peer);
    });
  });
}
