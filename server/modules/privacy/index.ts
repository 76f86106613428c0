import { privacyRoutes } from './privacy.routes.ts';
import { retentionJob } from './retention.ts';

export const privacyModule = { routes: privacyRoutes, jobs: [retentionJob] };
export { erasePerson, erasePersonIn, exportPerson, recordConsent } from './privacy.service.ts';
