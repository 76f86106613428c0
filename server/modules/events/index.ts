export { insertEvents } from './events.bulk.ts';
export type { NewEvent } from './events.bulk.ts';
