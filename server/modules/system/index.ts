import { defineModule } from '../../module.ts';
import { eventsPruneJob } from './events.jobs.ts';
import { eventRoutes } from './events.routes.ts';
import { systemRoutes } from './system.routes.ts';
import { jobGauges } from './gauges.ts';

export const systemModule = defineModule({
  name: 'system',
  routes: [...systemRoutes, ...eventRoutes],
  jobs: [eventsPruneJob],
  gauges: jobGauges,
});
export { getStoreSettings, readSetting, settingOf, settingSql, storeClockOf, storeSettingsOf, writeSetting } from './settings.service.ts';
