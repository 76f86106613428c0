import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createTransport } from 'nodemailer';
import { sql } from 'kysely';
import type { FakeKeys } from '../test/sms-fakes.ts';
import { enqueueMessage, saveTemplate, sendDue } from '../server/modules/messaging/index.ts';
import { saveSmsSettings, saveSmtpSettings } from '../server/modules/messaging/settings.ts';
import { providersOf } from '../server/modules/messaging/sender.ts';
import type { AppContext } from '../server/platform/context.ts';
import { type Figure, ratio, timed } from './harness.ts';

const ACTOR = { type: 'system' as const, id: null, label: 'bench', ip: null };
const HTML =
  '<p>{{ customer.name }}，您的订单 {{ order.id }} 已发货，金额 {{ order.total | money }}。</p><p><a href="https://shop.example.com/o/{{ order.id }}">查看订单</a></p>';

/** A sink in its own process (see sink-process.ts): where it listens, how many it has accepted, and its end. */
async function sinkProcess(
  kind: 'smtp' | 'sms',
  keys?: FakeKeys,
): Promise<{ address: string; received(): Promise<number>; close(): void }> {
  const child = fork(fileURLToPath(new URL('./sink-process.ts', import.meta.url)), [kind, JSON.stringify(keys ?? {})], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<{ address?: string; count?: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { address?: string; count?: number }));
      child.once('exit', (code) => reject(new Error(`the ${kind} sink ended (${code})`)));
    });
  const { address } = await next();
  return {
    address: String(address),
    received: async () => {
      const answer = next();
      child.send('count');
      return Number((await answer).count);
    },
    close: () => child.disconnect(),
  };
}

/** `count` calls of `send`, `parallel` at a time. */
async function inLanes(count: number, parallel: number, send: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await send(next++);
  };
  await Promise.all(Array.from({ length: parallel }, lane));
}

/** Queues one message per person of `ids` from a template, in one transaction (not measured). */
async function queue(ctx: AppContext, ids: readonly number[], template: string, tag: string) {
  await ctx.db.transaction().execute(async (trx) => {
    for (const id of ids) {
      await enqueueMessage(trx, {
        key: `bench-${tag}-${id}`,
        customerId: id,
        template,
        variables: { order: { id: `B${id}`, total: 12900 } },
        source: 'bench',
        sendAt: new Date(0),
      });
    }
  });
}

/**
 * Runs the sender as one worker would, pass after pass, until nothing is due; returns the milliseconds and how busy the
 * event loop was meanwhile (near 100%: the worker's own work is the limit; well below: it waits for the far side).
 */
async function drainOutbox(ctx: AppContext): Promise<{ ms: number; busy: string }> {
  const before = performance.eventLoopUtilization();
  const ms = await timed(async () => {
    for (let n = 1; n > 0; ) n = await sendDue(ctx);
  });
  return { ms, busy: `${Math.round(performance.eventLoopUtilization(before).utilization * 100)}%` };
}

/**
 * Messages claimed, decided, rendered and handed over per second by one worker: e-mail to a loopback SMTP sink in a
 * process of its own
 * (reference: a bare nodemailer loop on the same sink and pool), SMS to the local Aliyun fake through the real SDK
 * (reference: the SDK client sending a rendered message in a loop at the same concurrency).
 */
export async function messagingFigures(ctx: AppContext, count: number): Promise<Figure[]> {
  const ids = (
    await sql<{
      id: number;
    }>`select id from customers where email_enc is not null and phone_enc is not null and merged_into is null and erased_at is null order by id limit ${count}`.execute(
      ctx.db,
    )
  ).rows.map((r) => Number(r.id));
  const store = { timeZone: 'Asia/Shanghai', currency: 'CNY', now: new Date(), actor: ACTOR };
  const smtp = await sinkProcess('smtp');
  const smtpPort = Number(smtp.address);
  const pool = 4;
  await saveSmtpSettings(ctx.db, ctx.keyring, { host: '127.0.0.1', port: smtpPort, secure: false, pool }, ACTOR);
  await saveTemplate(
    ctx.db,
    {
      key: 'bench-shipped',
      name: 'bench',
      channel: 'email',
      purpose: 'transactional',
      quietHours: false,
      subject: { 'zh-CN': '订单 {{ order.id }} 已发货', en: 'Order {{ order.id }} shipped' },
      body: { 'zh-CN': HTML, en: HTML },
    },
    store,
  );
  await queue(ctx, ids, 'bench-shipped', 'email');
  const { ms: emailMs, busy: emailBusy } = await drainOutbox(ctx);
  const bare = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, pool: true, maxConnections: pool });
  const bareMs = await timed(() =>
    inLanes(ids.length, pool, (n) =>
      bare.sendMail({ from: 'bench@patron.local', to: `b${n}@example.com`, subject: `Order B${n} shipped`, html: HTML, text: HTML }),
    ),
  );
  bare.close();
  const emailSent = Number(
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from messages where source = 'bench' and channel = 'email' and status = 'sent'`.execute(ctx.db)
    ).rows[0].n,
  );

  const keys = { aliyun: { id: 'LTAIbench', secret: 'bench-secret' }, tencent: { id: 'AKIDbench', secret: 'bench-secret' } };
  const fake = await sinkProcess('sms', keys);
  await saveSmsSettings(
    ctx.db,
    ctx.keyring,
    { kind: 'aliyun', accessKeyId: keys.aliyun.id, secret: keys.aliyun.secret, signName: '帕特龙', endpoint: fake.address },
    ACTOR,
  );
  await saveTemplate(
    ctx.db,
    {
      key: 'bench-sms',
      name: 'bench',
      channel: 'sms',
      purpose: 'transactional',
      quietHours: false,
      body: { 'zh-CN': '订单 {{ order.id }} 已发货', en: 'Order {{ order.id }} shipped' },
      providerTemplate: { code: 'SMS_1', params: { order: '{{ order.id }}' } },
    },
    store,
  );
  await queue(ctx, ids, 'bench-sms', 'sms');
  const { ms: smsMs, busy: smsBusy } = await drainOutbox(ctx);
  const smsSent = await fake.received();
  // A batch's messages share its BizId (before the '/'); a message sent alone has its own.
  const smsRequests = Number(
    (
      await sql<{
        n: number;
      }>`select count(distinct split_part(provider_message_id, '/', 1))::int as n from messages where source = 'bench' and channel = 'sms' and status = 'sent'`.execute(
        ctx.db,
      )
    ).rows[0].n,
  );
  // The reference: the same provider client sending an already rendered message in a loop, as many at a time.
  const sdk = (await providersOf(ctx)).sms;
  const sdkMs = await timed(() =>
    inLanes(ids.length, sdk.parallel, (n) =>
      sdk.send({
        id: n,
        channel: 'sms',
        purpose: 'transactional',
        from: '',
        headers: {},
        messageId: '',
        rendered: {
          to: '13800138000',
          subject: null,
          preheader: null,
          html: null,
          text: `【帕特龙】订单 B${n} 已发货`,
          sms: null,
          providerTemplate: { code: 'SMS_1', params: { order: `B${n}` } },
        },
      }),
    ),
  );
  const outcomes = (
    await sql<{ channel: string; status: string; reason: string | null; n: number }>`
    select channel, status, coalesce(skip_reason, left(error, 60)) as reason, count(*)::int as n from messages where source = 'bench' group by 1, 2, 3 order by 1, 2`.execute(
      ctx.db,
    )
  ).rows;
  const outcome = (channel: string) =>
    outcomes
      .filter((o) => o.channel === channel)
      .map((o) => `${o.n} ${o.status}${o.reason ? ` (${o.reason})` : ''}`)
      .join(', ');
  fake.close();
  smtp.close();
  // The run leaves nothing behind: its messages, templates and providers go (the sandbox is back).
  await sql`delete from messages where source = 'bench'`.execute(ctx.db);
  await sql`delete from message_templates where key like 'bench-%'`.execute(ctx.db);
  await saveSmtpSettings(ctx.db, ctx.keyring, null, ACTOR);
  await saveSmsSettings(ctx.db, ctx.keyring, null, ACTOR);
  const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);
  return [
    {
      name: 'messaging e-mail (one worker)',
      figure: perSecond(emailSent, emailMs),
      unit: 'messages/s',
      reference: perSecond(ids.length, bareMs),
      referenceUnit: 'messages/s (bare nodemailer loop, same sink and pool)',
      ratio: ratio(perSecond(emailSent, emailMs), perSecond(ids.length, bareMs)),
      target: '≥ 1,000/s at M',
      note: `${outcome('email')}; ${emailSent} of ${ids.length} sent in ${(emailMs / 1000).toFixed(1)} s: claimed (SKIP LOCKED, 500 a claim), decided, rendered (LiquidJS, sanitised, links tracked; no <style> block to inline), encrypted, handed over, marked sent; pool ${pool}; the worker's event loop busy ${emailBusy}`,
    },
    {
      name: 'messaging SMS (one worker)',
      figure: perSecond(smsSent, smsMs),
      unit: 'messages/s',
      reference: perSecond(ids.length, sdkMs),
      referenceUnit: 'messages/s (the provider client sending a rendered message in a loop, same fake and concurrency)',
      ratio: ratio(perSecond(smsSent, smsMs), perSecond(ids.length, sdkMs)),
      target: '≥ 2,000/s at M',
      note: `${outcome('sms')}; ${smsSent} of ${ids.length} accepted by the local Aliyun fake through the real SDK (ACS3 signature verified per request) in ${(smsMs / 1000).toFixed(1)} s and ${smsRequests} requests (SendBatchSms of what was handed over together, SendSms for a message alone); ${sdk.parallel} at a time; the worker's event loop busy ${smsBusy}`,
    },
  ];
}
