import { defineModule } from '../../module.ts';
import { privacyData } from './customer-data.ts';
import { privacyRoutes } from './privacy.routes.ts';
import { retentionJob } from './retention.ts';

export const privacyModule = defineModule({ name: 'privacy', routes: privacyRoutes, jobs: [retentionJob], customerData: privacyData });
export { erasePerson, erasePersonIn, exportPerson, recordConsent } from './privacy.service.ts';
