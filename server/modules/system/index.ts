import { systemRoutes } from './system.routes.ts';

export const systemModule = { routes: systemRoutes, jobs: [] };
export { getStoreSettings, readSetting, storeClockOf, storeSettingsOf, writeSetting } from './settings.service.ts';
