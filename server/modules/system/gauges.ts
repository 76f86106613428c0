import { sql } from 'kysely';
import type { Gauge } from '../../module.ts';

/** The job queue: jobs waiting per queue and the age of the oldest; jobs failed in the last 24 hours. */
export const jobGauges: Gauge[] = [
  {
    name: 'patron_jobs_waiting',
    help: 'Jobs waiting to run (created or to retry), per queue',
    labels: ['queue'],
    read: async (db) => {
      const r = await sql<{ name: string; n: number }>`
        select name, count(*)::int as n from pgboss.job where state in ('created', 'retry') group by 1`.execute(db);
      return r.rows.map((x) => ({ labels: { queue: x.name }, value: Number(x.n) }));
    },
  },
  {
    name: 'patron_jobs_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting, per queue',
    labels: ['queue'],
    read: async (db, now) => {
      const r = await sql<{ name: string; oldest: Date }>`
        select name, min(created_on) as oldest from pgboss.job where state in ('created', 'retry') group by 1`.execute(db);
      return r.rows.map((x) => ({ labels: { queue: x.name }, value: Math.max(0, (now.getTime() - new Date(x.oldest).getTime()) / 1000) }));
    },
  },
  {
    name: 'patron_jobs_failed_24h',
    help: 'Jobs failed in the last 24 hours, per queue',
    labels: ['queue'],
    read: async (db, now) => {
      const r = await sql<{ name: string; n: number }>`
        select name, count(*)::int as n from pgboss.job where state = 'failed' and completed_on > ${new Date(now.getTime() - 86_400_000)}
        group by 1`.execute(db);
      return r.rows.map((x) => ({ labels: { queue: x.name }, value: Number(x.n) }));
    },
  },
];
