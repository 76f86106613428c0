import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';
import { startImportBody } from './imports.ts';

/** The data of every background job that takes some, by job name (a job's queue is its name and version). */
export const jobPayloads = {
  'segment-refresh': z.object({ segmentId: z.number().int().positive() }),
  'customers-operation': z.object({ operationId: z.number().int() }),
  'ingest-import': startImportBody,
} as const;
export type JobPayload<N extends keyof typeof jobPayloads> = z.infer<(typeof jobPayloads)[N]>;

export const jobStates = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;

export const jobBody = z.object({
  id: z.string(),
  queue: z.string(),
  state: z.enum(jobStates),
  retryCount: z.number().int(),
  retryLimit: z.number().int(),
  createdOn: z.string(),
  startedOn: z.string().nullable(),
  completedOn: z.string().nullable(),
  output: z.unknown().nullable(),
  data: z.unknown().nullable(),
});
export type JobBody = z.infer<typeof jobBody>;

export const jobListQuery = z.strictObject({
  ...pageQuery,
  state: z.enum(jobStates).optional(),
  queue: z.string().max(200).optional(),
});
export const jobPage = pageOf(jobBody);
export const jobCounts = z.object({ counts: z.record(z.string(), z.number().int()) });
export const jobRetryParams = z.strictObject({ queue: z.string().min(1).max(200), id: z.uuid() });
