import { z } from 'zod';

/**
 * A typed, versioned job. Handlers must be idempotent: a job may run again after a crash or a retry,
 * so side effects are guarded by unique keys in the database. A change to the data shape is a new
 * version (a new queue), so old jobs still in flight keep the shape they were written with.
 */
export type JobDefinition<TData, TContext> = {
  name: string;
  version: number;
  schema: z.ZodType<TData>;
  retryLimit?: number;
  /** Seconds before the first retry; doubled each time when retryBackoff is on. */
  retryDelay?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Cron expression (store time zone) on which the job is enqueued automatically. */
  cron?: string;
  handler: (data: TData, ctx: TContext & { jobId: string }) => Promise<void>;
};

const NAME = /^[a-z][a-z0-9-]*$/;

export function defineJob<TData, TContext>(def: JobDefinition<TData, TContext>): JobDefinition<TData, TContext> {
  if (!NAME.test(def.name)) throw new Error(`Job name must be kebab-case: ${def.name}`);
  if (!Number.isInteger(def.version) || def.version < 1) throw new Error(`Job version must be a positive integer: ${def.name}`);
  return def;
}

export const queueName = (def: { name: string; version: number }): string => `${def.name}-v${def.version}`;

type NoData = Record<string, never>;
const NO_DATA = z.object({}) as z.ZodType<NoData>;

/** A job that takes no data and runs on a cron schedule (store time zone), or when something asks for it. */
export function defineScheduledJob<TContext>(def: {
  name: string;
  cron: string;
  expireInSeconds?: number;
  handler: (ctx: TContext & { jobId: string }) => Promise<void>;
}): JobDefinition<NoData, TContext> {
  return defineJob({
    name: def.name,
    version: 1,
    schema: NO_DATA,
    cron: def.cron,
    expireInSeconds: def.expireInSeconds,
    handler: (_data, ctx) => def.handler(ctx),
  });
}
