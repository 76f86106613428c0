import { defineModule } from '../../module.ts';
import { journeysData, journeysPanel } from './customer-data.ts';
import { journeyDatesJob } from './dates.ts';
import { journeyRoutes } from './journeys.routes.ts';
import { advanceDue } from './runner.ts';
import { journeyTriggers } from './triggers.ts';

/**
 * Journeys: triggers (order lifecycle, segment entry and exit, manual/API) let people into a published version;
 * the runner takes each run through waits, conditions, splits, messages (through the messaging outbox) and tags;
 * goals end runs early. Every step is logged per run (the debugger) and idempotent.
 */
export const journeysModule = defineModule({
  name: 'journeys',
  routes: journeyRoutes,
  jobs: [journeyDatesJob],
  pollers: [{ name: 'journeys-advance', run: advanceDue }],
  subscriptions: [journeyTriggers],
  customerData: journeysData,
  panels: [journeysPanel],
  // Conditions on the run's order, the person's time zone, stored events for a dry run, a trigger's segment.
  reads: ['customers', 'customer_metrics', 'orders', 'domain_events', 'segments'],
});
export { advanceDue } from './runner.ts';
export { enterByDate } from './dates.ts';
export { installLibrary } from './journeys.service.ts';
