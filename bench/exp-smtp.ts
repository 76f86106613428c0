import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SmtpPool } from '../server/modules/messaging/smtp-pool.ts';
const child = fork(fileURLToPath(new URL('./sink-process.ts', import.meta.url)), ['smtp'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((r) => child.once('message', (m: any) => r(Number(m.address))));
const msg = Buffer.from(`From: a@b.c\r\nTo: x@example.com\r\nSubject: hi\r\nMessage-ID: <1@b.c>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${'<p>hello 您的订单 已发货</p>'.repeat(20)}\r\n`);
for (const conns of [4, 8, 16, 4, 8, 16]) {
  const pool = new SmtpPool({ host: '127.0.0.1', port, secure: false, auth: null, connections: conns, perSecond: null, dkim: null, rejectUnauthorized: false });
  const n = 5000; let next = 0;
  const cpu0 = process.cpuUsage(); const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, async () => { while (next < n) { next++; await pool.send({ from: 'a@b.c', to: ['x@example.com'] }, msg, Promise.resolve()); } }));
  const ms = performance.now() - t0; const cpu = process.cpuUsage(cpu0);
  console.log(conns, Math.round(n / ms * 1000), 'msg/s', 'sender cpu', Math.round((cpu.user + cpu.system) / 1000 / ms * 100) + '%');
  pool.close();
}
child.disconnect();
