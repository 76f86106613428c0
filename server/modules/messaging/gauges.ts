import { sql } from 'kysely';
import type { Gauge } from '../../module.ts';

/** The outbox: messages waiting per channel and state; failed or bounced in the last 24 hours per channel. */
export const messagingGauges: Gauge[] = [
  {
    name: 'patron_messages_waiting',
    help: 'Messages queued, held or being sent, per channel',
    labels: ['channel', 'status'],
    read: async (db) => {
      const r = await sql<{ channel: string; status: string; n: number }>`
        select channel, status, count(*)::int as n from messages where status in ('queued', 'held', 'sending') group by 1, 2`.execute(db);
      return r.rows.map((x) => ({ labels: { channel: x.channel, status: x.status }, value: Number(x.n) }));
    },
  },
  {
    name: 'patron_messages_failed_24h',
    help: 'Messages failed or bounced in the last 24 hours, per channel and state',
    labels: ['channel', 'status'],
    read: async (db, now) => {
      const r = await sql<{ channel: string; status: string; n: number }>`
        select channel, status, count(*)::int as n from messages
        where status in ('failed', 'bounced') and updated_at > ${new Date(now.getTime() - 86_400_000)} group by 1, 2`.execute(db);
      return r.rows.map((x) => ({ labels: { channel: x.channel, status: x.status }, value: Number(x.n) }));
    },
  },
];
