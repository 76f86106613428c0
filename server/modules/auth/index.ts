import { defineModule } from '../../module.ts';
import { apiKeyRoutes } from './api-keys.routes.ts';
import { authRoutes } from './auth.routes.ts';
import { sessionsCleanupJob } from './auth.jobs.ts';
import { userRoutes } from './users.routes.ts';

export const authModule = defineModule({
  name: 'auth',
  routes: [...authRoutes, ...userRoutes, ...apiKeyRoutes],
  jobs: [sessionsCleanupJob],
});
export { authenticateApiKey, createApiKey } from './api-keys.service.ts';
export { SESSION_COOKIE } from './cookies.ts';
export { authenticateSession } from './sessions.service.ts';
export { createUser, ensureOwner } from './users.service.ts';
