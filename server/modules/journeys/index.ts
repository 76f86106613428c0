import { defineModule } from '../../module.ts';
import { followUpsPanel, journeysData, journeysPanel } from './customer-data.ts';
import { journeyDatesJob } from './dates.ts';
import { followEvents } from './events.ts';
import { journeyRoutes } from './journeys.routes.ts';
import { advanceDue } from './runner.ts';
import { journeyTriggers } from './triggers.ts';

/**
 * Journeys: triggers (order lifecycle, tracked events, segment entry and exit, dates, manual/API) let people into a
 * published version; the runner takes each run through waits (for a time, a time of day, an event), conditions,
 * splits, messages (through the messaging outbox) and tags;
 * goals end runs early. Every step is logged per run (the debugger) and idempotent.
 */
export const journeysModule = defineModule({
  name: 'journeys',
  routes: journeyRoutes,
  jobs: [journeyDatesJob],
  pollers: [
    // A wait ends at a set time (a reminder 30 minutes after the order): its step should start within a second of it.
    { name: 'journeys-advance', run: advanceDue, idleMs: 1000 },
    { name: 'journeys-events', run: followEvents },
  ],
  subscriptions: [journeyTriggers],
  customerData: journeysData,
  panels: [journeysPanel, followUpsPanel],
  // Conditions on the run's order, the person's time zone, stored events for a dry run, a trigger's segment, the 开卡
  // date of a membership anniversary; the messages of a run sent before its order was paid (what 催付 won back); who
  // looked at a product that got cheaper or came back in stock, and did not buy it.
  reads: [
    'customers',
    'customer_metrics',
    'orders',
    'order_items',
    'products',
    'product_changes',
    'events',
    'domain_events',
    'segments',
    'loyalty_members',
    'messages',
  ],
});
export { advanceDue } from './runner.ts';
export { enterByDate } from './dates.ts';
export { followEvents } from './events.ts';
export { installLibrary } from './journeys.service.ts';
export { shippedTemplate } from './library.ts';
