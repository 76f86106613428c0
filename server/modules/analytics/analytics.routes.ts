import { dashboardBody, dashboardQuery } from '../../../contracts/dashboard.ts';
import { defineRoute } from '../../http/route.ts';
import { getStoreSettings } from '../system/index.ts';
import { dashboardOverview } from './overview.service.ts';

export const analyticsRoutes = [
  defineRoute({
    method: 'GET',
    url: '/dashboard',
    access: 'dashboard.view',
    tag: 'analytics',
    summary: 'Headline figures, monthly revenue and revenue by channel',
    query: dashboardQuery,
    response: dashboardBody,
    handler: async ({ ctx, query }) => {
      const store = await getStoreSettings(ctx.db, { timeZone: ctx.config.timeZone });
      return dashboardOverview(ctx.db, { days: query.days, now: ctx.clock.now(), timeZone: store.timeZone, currency: store.currency });
    },
  }),
];
