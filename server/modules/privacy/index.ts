import { defineModule } from '../../module.ts';
import { privacyData } from './customer-data.ts';
import { privacyRoutes } from './privacy.routes.ts';
import { retentionJob } from './retention.ts';

export const privacyModule = defineModule({
  name: 'privacy',
  routes: privacyRoutes,
  jobs: [retentionJob],
  customerData: privacyData,
  // The profile a DSR export holds; the activity the retention rule measures inactivity by.
  reads: ['customers', 'events', 'orders'],
});
export { consentGrantedSql, consentedAmong, erasePerson, erasePersonIn, exportPerson, recordConsent } from './privacy.service.ts';
