import { sql } from 'kysely';
import type { Gauge } from '../../module.ts';

/** Deliveries waiting and failed (last 24 hours) per endpoint; endpoints paused. */
export const webhookGauges: Gauge[] = [
  {
    name: 'patron_webhook_deliveries',
    help: 'Outbound webhook deliveries waiting, and failed in the last 24 hours, per endpoint',
    labels: ['endpoint', 'status'],
    read: async (db, now) => {
      const r = await sql<{ endpoint: string; status: string; n: number }>`
        select e.name || ' #' || e.id as endpoint, d.status, count(*)::int as n
        from outbound_deliveries d join outbound_endpoints e on e.id = d.endpoint_id
        where d.status = 'pending' or (d.status = 'failed' and d.created_at > ${new Date(now.getTime() - 86_400_000)})
        group by 1, 2`.execute(db);
      return r.rows.map((x) => ({ labels: { endpoint: x.endpoint, status: x.status }, value: Number(x.n) }));
    },
  },
  {
    name: 'patron_webhook_endpoints_paused',
    help: 'Outbound webhook endpoints paused (after a run of failures, or by hand)',
    labels: [],
    read: async (db) => {
      const r = await sql<{ n: number }>`select count(*)::int as n from outbound_endpoints where status = 'paused'`.execute(db);
      return [{ labels: {}, value: Number(r.rows[0].n) }];
    },
  },
];
