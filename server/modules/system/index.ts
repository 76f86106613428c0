import { systemRoutes } from './system.routes.ts';

export const systemModule = { routes: systemRoutes, jobs: [] };
export { getStoreSettings, storeClockOf, storeSettingsOf } from './settings.service.ts';
