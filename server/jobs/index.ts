export { defineJob, defineScheduledJob, queueName } from './definition.ts';
export type { JobDefinition } from './definition.ts';
export { migrateQueue, startQueue } from './queue.ts';
export type { AnyJob, EnqueueOptions, JobQueue } from './queue.ts';
