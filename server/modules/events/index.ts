import { defineModule } from '../../module.ts';
import { eventsData } from './customer-data.ts';

export const eventsModule = defineModule({ name: 'events', customerData: eventsData });
export { insertEvents, loadEvents } from './events.bulk.ts';
export { removeImportedEvents, stitchAnonymousEvents } from './stitch.ts';
export type { NewEvent } from './events.bulk.ts';
