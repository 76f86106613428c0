import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type TestDb, createTestDb } from '../../test/db.ts';
import { createDb, type DbHandle } from '../db/index.ts';
import { createLogger } from '../platform/logger.ts';
import { defineJob, queueName } from './definition.ts';
import { type JobQueue, startQueue } from './queue.ts';

type Ctx = { db: TestDb['db']; worker: string };
const log = createLogger('silent');

const recordJob = defineJob<{ n: number }, Ctx>({
  name: 'test-record',
  version: 1,
  schema: z.object({ n: z.number().int() }),
  handler: async (data, ctx) => {
    await sql`insert into test_job_runs (job_id, n, worker) values (${ctx.jobId}, ${data.n}, ${ctx.worker})`.execute(ctx.db);
  },
});

const failingJob = defineJob<{ reason: string }, Ctx>({
  name: 'test-failing',
  version: 1,
  schema: z.object({ reason: z.string() }),
  retryLimit: 1,
  retryDelay: 1,
  retryBackoff: true,
  handler: async (data) => {
    throw new Error(`boom: ${data.reason}`);
  },
});

const cronJob = defineJob<Record<string, never>, Ctx>({
  name: 'test-cron',
  version: 2,
  schema: z.object({}) as z.ZodType<Record<string, never>>,
  cron: '*/5 * * * *',
  handler: async () => {},
});

async function waitFor(check: () => Promise<boolean>, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

describe('job queue', () => {
  let db: TestDb;
  let second: DbHandle;
  let queues: JobQueue[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    // A second connection pool stands for a second worker process (same handle on embedded PGlite).
    second = db.url ? await createDb({ kind: 'postgres', url: db.url, poolSize: 3 }) : db;
    await sql`create table test_job_runs (id serial primary key, job_id text not null, n int not null, worker text not null)`.execute(
      db.db,
    );
    const jobs = [recordJob, failingJob, cronJob];
    const common = { log, jobs, work: true, timeZone: 'Asia/Shanghai', pollingIntervalSeconds: 0.5 };
    queues = [
      await startQueue<Ctx>({ ...common, executeSql: db.executeSql, context: { db: db.db, worker: 'a' } }),
      await startQueue<Ctx>({ ...common, executeSql: second.executeSql, context: { db: second.db, worker: 'b' } }),
    ];
  });

  afterAll(async () => {
    for (const q of queues) await q.stop();
    if (second !== db) await second.close();
    await db.drop();
  });

  it('two workers run 200 jobs exactly once each', async () => {
    for (let n = 0; n < 200; n++) await queues[n % 2].enqueue(recordJob, { n });
    await waitFor(async () => (await sql<{ c: number }>`select count(*)::int as c from test_job_runs`.execute(db.db)).rows[0].c >= 200);
    await new Promise((r) => setTimeout(r, 1500)); // would a duplicate still arrive?
    const r = await sql<{ runs: number; jobs: number; ns: number }>`
      select count(*)::int as runs, count(distinct job_id)::int as jobs, count(distinct n)::int as ns from test_job_runs`.execute(db.db);
    expect(r.rows[0]).toEqual({ runs: 200, jobs: 200, ns: 200 });
  });

  it('validates job data against the definition before enqueueing', async () => {
    await expect(queues[0].enqueue(recordJob, { n: 'x' } as never)).rejects.toThrow();
  });

  it('retries with backoff and then keeps the job failed with its error', async () => {
    const id = await queues[0].enqueue(failingJob, { reason: 'no stock' });
    const row = async () =>
      (
        await sql<{ state: string; retry_count: number; output: { message?: string } | null }>`
        select state::text as state, retry_count, output from pgboss.job where id = ${id}::uuid`.execute(db.db)
      ).rows[0];
    await waitFor(async () => (await row())?.state === 'failed', 45_000);
    const failed = await row();
    expect(failed.retry_count).toBe(1);
    expect(failed.output?.message).toBe('boom: no stock');
  });

  it('enqueues inside a transaction: a rolled-back transaction leaves no job', async () => {
    const marker = 987_654;
    await expect(
      db.db.transaction().execute(async (trx) => {
        await queues[0].enqueue(recordJob, { n: marker }, { trx });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const jobs = await sql<{
      c: number;
    }>`select count(*)::int as c from pgboss.job where name = ${queueName(recordJob)} and (data->>'n')::int = ${marker}`.execute(db.db);
    expect(jobs.rows[0].c).toBe(0);
  });

  it('registers cron schedules', async () => {
    const rows = await sql<{ cron: string }>`select cron from pgboss.schedule where name = ${queueName(cronJob)}`.execute(db.db);
    expect(rows.rows).toEqual([{ cron: '*/5 * * * *' }]);
  });
});
