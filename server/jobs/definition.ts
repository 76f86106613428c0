import type { z } from 'zod';

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
