import { sql } from 'kysely';
import type { JobBody } from '../../../contracts/jobs.ts';
import type { Db } from '../../db/index.ts';
import type { JobQueue } from '../../jobs/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';

/** Read side of pg-boss's own tables (schema `pgboss`), for the background-jobs page. */

type JobRow = {
  id: string;
  name: string;
  state: JobBody['state'];
  retry_count: number;
  retry_limit: number;
  created_on: Date;
  started_on: Date | null;
  completed_on: Date | null;
  output: unknown;
  data: unknown;
};

const toBody = (r: JobRow): JobBody => ({
  id: r.id,
  queue: r.name,
  state: r.state,
  retryCount: r.retry_count,
  retryLimit: r.retry_limit,
  createdOn: r.created_on.toISOString(),
  startedOn: r.started_on?.toISOString() ?? null,
  completedOn: r.completed_on?.toISOString() ?? null,
  output: r.output ?? null,
  data: r.data ?? null,
});

export type ListJobsOptions = { limit: number; offset: number; state?: JobBody['state']; queue?: string };

export async function listJobs(db: Db, opts: ListJobsOptions): Promise<{ items: JobBody[]; total: number }> {
  const filters = [sql`name not like '\\_\\_pgboss%'`];
  if (opts.state) filters.push(sql`state = ${opts.state}::pgboss.job_state`);
  if (opts.queue) filters.push(sql`name = ${opts.queue}`);
  const where = sql.join(filters, sql` and `);
  const rows = await sql<JobRow>`
    select id::text, name, state::text as state, retry_count, retry_limit, created_on, started_on, completed_on, output, data
    from pgboss.job where ${where} order by created_on desc limit ${opts.limit} offset ${opts.offset}`.execute(db);
  const total = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where ${where}`.execute(db);
  return { items: rows.rows.map(toBody), total: total.rows[0]?.n ?? 0 };
}

export async function countJobs(db: Db): Promise<Record<string, number>> {
  const rows = await sql<{ state: string; n: number }>`
    select state::text as state, count(*)::int as n from pgboss.job
    where name not like '\\_\\_pgboss%' group by state`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.state, r.n]));
}

export async function retryJob(db: Db, queue: JobQueue, opts: { queue: string; id: string; actor: Actor }): Promise<void> {
  const row = await sql<{
    state: string;
  }>`select state::text as state from pgboss.job where name = ${opts.queue} and id = ${opts.id}::uuid`.execute(db);
  const state = row.rows[0]?.state;
  if (!state) throw new AppError('JOB_NOT_FOUND', 'not_found', `Job ${opts.id} does not exist in ${opts.queue}.`);
  if (state !== 'failed' && state !== 'cancelled') {
    throw new AppError('JOB_NOT_RETRYABLE', 'conflict', `Only failed or cancelled jobs can be retried; this one is ${state}.`);
  }
  await queue.retry(opts.queue, opts.id);
  await recordAudit(db, { actor: opts.actor, action: 'job.retry', target: { type: 'job', id: opts.id }, details: { queue: opts.queue } });
}
