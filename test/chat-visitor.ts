import { WebSocket } from 'ws';

export type Frame = {
  type: string;
  messages?: { id: number; author: string; body: string }[];
  code?: string;
  text?: string;
  handoff?: boolean;
};

/** A visitor's widget: the socket and every frame it got, with a wait for the next one that matches. */
export async function visitor(base: string, aid: string, lang: 'zh-CN' | 'en' = 'zh-CN') {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/chat/ws?aid=${aid}&lang=${lang}`);
  const frames: Frame[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const until = async (ok: (f: Frame) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const f = frames.find(ok);
      if (f) return f;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no such frame in ${JSON.stringify(frames)}`);
  };
  return { ws, frames, until, say: (o: object) => ws.send(JSON.stringify(o)) };
}
