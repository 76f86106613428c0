import { sql } from 'kysely';
import type { Gauge } from '../../module.ts';

/** SLA targets breached on tickets still open, per metric and queue. */
export const serviceGauges: Gauge[] = [
  {
    name: 'patron_sla_breached_open',
    help: 'Open tickets whose SLA target (first reply, next reply, resolution) is breached, per metric and queue',
    labels: ['metric', 'queue'],
    read: async (db) => {
      const r = await sql<{ metric: string; queue: string | null; n: number }>`
        select c.metric, t.queue, count(*)::int as n from sla_clocks c join tickets t on t.id = c.ticket_id
        where c.breached_at is not null and c.met_at is null and t.status not in ('solved', 'closed') group by 1, 2`.execute(db);
      return r.rows.map((x) => ({ labels: { metric: x.metric, queue: x.queue ?? '' }, value: Number(x.n) }));
    },
  },
];
