import { systemRoutes } from './system.routes.ts';

export const systemModule = { routes: systemRoutes, jobs: [] };
export { getStoreSettings } from './settings.service.ts';
