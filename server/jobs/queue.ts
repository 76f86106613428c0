import PgBoss from 'pg-boss';
import { type Db, type ExecuteSql, transactionExecutor } from '../db/index.ts';
import type { Logger } from '../platform/logger.ts';
import { type JobDefinition, queueName } from './definition.ts';

// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of many data types
export type AnyJob<TContext> = JobDefinition<any, TContext>;

export type EnqueueOptions = {
  /** The transaction that causes the job: the job exists only if it commits. */
  trx?: Db;
  /** At most one queued job per key (e.g. one export per request). */
  singletonKey?: string;
  startAfter?: Date | number;
};

export type JobQueue = {
  enqueue<T>(def: JobDefinition<T, never> | JobDefinition<T, unknown> | AnyJob<unknown>, data: T, opts?: EnqueueOptions): Promise<string | null>;
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
  /** Create/upgrade pg-boss's own schema (the first process to start does it). */
  timeZone: string;
  pollingIntervalSeconds?: number;
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
  const boss = new PgBoss({
    db: { executeSql: opts.executeSql as PgBoss.Db['executeSql'] },
    schedule: opts.work,
    supervise: opts.work,
  });
  boss.on('error', (err) => opts.log.error({ err }, 'job queue error'));
  await boss.start();
  await ensureQueues(boss, opts.jobs, opts.timeZone);
  if (opts.work) {
    for (const def of opts.jobs) {
      await boss.work(
        queueName(def),
        { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, batchSize: 1 },
        async ([job]) => {
          const data = def.schema.parse(job.data ?? {});
          const log = opts.log.child({ job: queueName(def), jobId: job.id });
          log.debug('job started');
          await def.handler(data, { ...opts.context, jobId: job.id });
          log.debug('job completed');
        },
      );
    }
  }
  return {
    async enqueue(def, data, eo = {}) {
      const validated = def.schema.parse(data);
      return boss.send(queueName(def), validated as object, {
        ...(eo.trx ? { db: { executeSql: transactionExecutor(eo.trx) as PgBoss.Db['executeSql'] } } : {}),
        ...(eo.singletonKey ? { singletonKey: eo.singletonKey } : {}),
        ...(eo.startAfter ? { startAfter: eo.startAfter instanceof Date ? eo.startAfter : eo.startAfter } : {}),
      });
    },
    retry: (queue, id) => boss.retry(queue, id),
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}
