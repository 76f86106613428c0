import { sql } from 'kysely';
import type { z } from 'zod';
import type { serviceReport } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';

type Report = z.infer<typeof serviceReport>;

/**
 * The service desk over a date range (store time zone, `to` inclusive): volume, first-reply and resolution times,
 * SLA attainment, backlog age, CSAT, the busiest hours and the complaints by channel × product × tag.
 */
export async function serviceReportOf(db: Db, range: { from: string; to: string }, timeZone: string): Promise<Report> {
  const start = sql`(${range.from}::date::timestamp at time zone ${timeZone})`;
  const end = sql`((${range.to}::date + 1)::timestamp at time zone ${timeZone})`;
  const created = sql`t.created_at >= ${start} and t.created_at < ${end} and t.merged_into is null`;
  const dist = (expr: ReturnType<typeof sql>) =>
    sql<{ count: number; median: number | null; p90: number | null }>`
      select count(*)::int as count, percentile_cont(0.5) within group (order by m) as median, percentile_cont(0.9) within group (order by m) as p90
      from (select ${expr} as m from tickets t where ${created}) x where m is not null`.execute(db);
  /** SLA clocks that ended (met or breached) on tickets opened in the range, counted by a dimension of the ticket. */
  const slaBy = <K extends string>(key: K, expr: ReturnType<typeof sql>) =>
    sql<Record<K, string | number | null> & { total: number; met: number }>`
      select ${expr} as ${sql.ref(key)}, count(*)::int as total, count(*) filter (where k.breached_at is null)::int as met
      from sla_clocks k join tickets t on t.id = k.ticket_id
      where ${created} and (k.met_at is not null or k.breached_at is not null) group by 1 order by 1`.execute(db);
  const [volume, firstReply, resolution, sla, slaByAgent, slaByQueue, slaByWeek, backlog, csat, hours, complaints] = await Promise.all([
    sql<{ day: string; channel: string; type: string; tickets: number }>`
      select to_char(t.created_at at time zone ${timeZone}, 'YYYY-MM-DD') as day, t.channel, t.type, count(*)::int as tickets
      from tickets t where ${created} group by 1, 2, 3 order by 1, 2, 3`.execute(db),
    dist(sql`extract(epoch from t.first_replied_at - t.created_at) / 60`),
    dist(sql`extract(epoch from t.solved_at - t.created_at) / 60`),
    sql<{ policy: string; metric: string; total: number; met: number }>`
      select k.policy, k.metric, count(*)::int as total, count(*) filter (where k.breached_at is null)::int as met
      from sla_clocks k join tickets t on t.id = k.ticket_id
      where ${created} and (k.met_at is not null or k.breached_at is not null) group by 1, 2 order by 1, 2`.execute(db),
    slaBy('agent_id', sql`t.assignee_id`),
    slaBy('queue', sql`t.queue`),
    slaBy('week', sql`to_char(date_trunc('week', t.created_at at time zone ${timeZone}), 'YYYY-MM-DD')`),
    sql<{ bucket: string; tickets: number }>`
      select case when age < interval '1 day' then '<1d' when age < interval '3 days' then '1-3d' when age < interval '7 days' then '3-7d' else '>7d' end as bucket,
        count(*)::int as tickets
      from (select now() - t.created_at as age from tickets t where t.status in ('new', 'open', 'pending', 'on_hold') and t.merged_into is null) x
      group by 1 order by min(age)`.execute(db),
    sql<{ by: 'agent' | 'queue' | 'type'; key: string | null; answers: number; average: number; satisfied: number }>`
      select by, key, count(*)::int as answers, avg(rating)::float8 as average, (count(*) filter (where rating >= 4))::float8 / count(*) as satisfied
      from feedback_requests f
      cross join lateral (values ('agent', f.agent_id::text), ('queue', f.queue), ('type', f.ticket_type)) v(by, key)
      where f.kind = 'csat' and f.rating is not null and f.answered_at >= ${start} and f.answered_at < ${end}
      group by 1, 2 order by 1, 2`.execute(db),
    sql<{ weekday: number; hour: number; tickets: number }>`
      select extract(dow from t.created_at at time zone ${timeZone})::int as weekday, extract(hour from t.created_at at time zone ${timeZone})::int as hour,
        count(*)::int as tickets
      from tickets t where ${created} group by 1, 2 order by 1, 2`.execute(db),
    sql<{ channel: string; product: string | null; tag: string | null; tickets: number }>`
      select t.channel, t.fields ->> 'product' as product, g.tag, count(*)::int as tickets
      from tickets t left join lateral unnest(case when cardinality(t.tags) = 0 then array[null::text] else t.tags end) g(tag) on true
      where ${created} and t.type = 'complaint' group by 1, 2, 3 order by 4 desc, 1, 2, 3 limit 200`.execute(db),
  ]);
  const distOf = (r: { rows: { count: number; median: number | null; p90: number | null }[] }) => ({
    count: r.rows[0].count,
    medianMinutes: r.rows[0].median === null ? null : Math.round(r.rows[0].median),
    p90Minutes: r.rows[0].p90 === null ? null : Math.round(r.rows[0].p90),
  });
  return {
    volume: volume.rows,
    firstReply: distOf(firstReply),
    resolution: distOf(resolution),
    sla: sla.rows,
    slaByAgent: slaByAgent.rows.map((r) => ({ agentId: r.agent_id === null ? null : Number(r.agent_id), total: r.total, met: r.met })),
    slaByQueue: slaByQueue.rows.map((r) => ({ queue: r.queue === null ? null : String(r.queue), total: r.total, met: r.met })),
    slaByWeek: slaByWeek.rows.map((r) => ({ week: String(r.week), total: r.total, met: r.met })),
    backlog: backlog.rows,
    csat: csat.rows,
    hours: hours.rows,
    complaints: complaints.rows,
  };
}
