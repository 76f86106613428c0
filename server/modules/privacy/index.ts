import { privacyRoutes } from './privacy.routes.ts';

export const privacyModule = { routes: privacyRoutes, jobs: [] };
export { erasePerson, erasePersonIn, exportPerson, recordConsent } from './privacy.service.ts';
