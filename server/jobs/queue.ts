import { setTimeout as delay } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import type { z } from 'zod';
import { type Db, type ExecuteSql, transactionExecutor } from '../db/index.ts';
import type { Logger } from '../platform/logger.ts';
import { type JobDefinition, queueName } from './definition.ts';

// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of many data types
export type AnyJob<TContext> = JobDefinition<any, TContext>;

export type EnqueueOptions = {
  /** The transaction that causes the job: the job exists only if it commits. */
  trx?: Db;
  /** A deterministic job id (uuid): enqueueing the same id twice creates one job. */
  id?: string;
  startAfter?: Date;
};

export type JobQueue = {
  enqueue<T>(def: { name: string; version: number; schema: z.ZodType<T> }, data: T, opts?: EnqueueOptions): Promise<string | null>;
  retry(queue: string, id: string): Promise<void>;
  stop(): Promise<void>;
};

export type QueueOptions<TContext> = {
  executeSql: ExecuteSql;
  log: Logger;
  jobs: readonly AnyJob<TContext>[];
  context: TContext;
  /** Run handlers in this process. */
  work: boolean;
  /** Time zone of cron schedules (the store's). */
  timeZone: string;
  pollingIntervalSeconds?: number;
  /**
   * Jobs left active belong to no living worker (the embedded database serves this one process, so one left active
   * was running when the process died): they run again at once instead of waiting out their expiry.
   */
  resumeOrphans?: boolean;
};

/** Creates pg-boss's schema and queues without starting workers (used by `patron migrate`). */
export async function migrateQueue(executeSql: ExecuteSql): Promise<void> {
  const boss = new PgBoss({ db: { executeSql: executeSql as PgBoss.Db['executeSql'] }, supervise: false, schedule: false });
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
}

async function ensureQueues<TContext>(boss: PgBoss, jobs: readonly AnyJob<TContext>[], timeZone: string) {
  for (const def of jobs) {
    const name = queueName(def);
    const existing = await boss.getQueue(name);
    const options = {
      retryLimit: def.retryLimit ?? 3,
      retryDelay: def.retryDelay ?? 5,
      retryBackoff: def.retryBackoff ?? true,
      expireInSeconds: def.expireInSeconds ?? 15 * 60,
    };
    if (!existing) await boss.createQueue(name, { name, ...options });
    if (def.cron) await boss.schedule(name, def.cron, {}, { tz: timeZone, singletonKey: name });
  }
}

export async function startQueue<TContext>(opts: QueueOptions<TContext>): Promise<JobQueue> {
  const running = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    running.add(p);
    return p.finally(() => running.delete(p));
  };
  const boss = new PgBoss({
    db: { executeSql: opts.executeSql as PgBoss.Db['executeSql'] },
    schedule: opts.work,
    supervise: opts.work,
  });
  boss.on('error', (err) => opts.log.error({ err }, 'job queue error'));
  await boss.start();
  await ensureQueues(boss, opts.jobs, opts.timeZone);
  if (opts.work && opts.resumeOrphans) {
    const resumed = await opts.executeSql(`update pgboss.job set state = 'retry', start_after = now() where state = 'active' returning id`);
    if (resumed.rows.length > 0) opts.log.warn({ jobs: resumed.rows.length }, 'jobs left running by a stopped process run again');
  }
  if (opts.work) {
    for (const def of opts.jobs) {
      const name = queueName(def);
      const jobLog = opts.log.child({ job: name });
      // A batch is fetched at once, but each job succeeds or fails on its own: a failed one is
      // marked failed here (with its error), and pg-boss completes only those still active.
      await boss.work(name, { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1, batchSize: 25 }, (jobs) =>
        track(
          (async () => {
            for (const job of jobs) {
              try {
                await def.handler(def.schema.parse(job.data ?? {}), { ...opts.context, jobId: job.id });
              } catch (err) {
                const message = err instanceof Error ? err.message : String(err);
                jobLog.warn({ jobId: job.id, err }, 'job failed');
                await boss.fail(name, job.id, { message });
              }
            }
          })(),
        ),
      );
    }
  }
  return {
    async enqueue(def, data, eo = {}) {
      const validated = def.schema.parse(data);
      return boss.send(queueName(def), validated as object, {
        ...(eo.trx ? { db: { executeSql: transactionExecutor(eo.trx) as PgBoss.Db['executeSql'] } } : {}),
        ...(eo.id ? { id: eo.id } : {}),
        ...(eo.startAfter ? { startAfter: eo.startAfter } : {}),
      });
    },
    retry: (queue, id) => boss.retry(queue, id),
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      // pg-boss stops waiting after its timeout, but a handler still running would then complete or fail its job on a
      // closed pool (an unhandled rejection, and a job left active): its batch is waited for, a minute at most, and
      // a moment more for pg-boss to record the outcome before the pool closes.
      await Promise.race([Promise.allSettled([...running]), delay(60_000, undefined, { ref: false })]);
      await delay(100);
    },
  };
}
