import { rfmQuery, rfmSummary } from '../../../contracts/analytics.ts';
import { dashboardBody, dashboardQuery } from '../../../contracts/dashboard.ts';
import { defineRoute } from '../../http/route.ts';
import { todayIn } from '../../platform/clock.ts';
import { storeSettingsOf } from '../system/index.ts';
import { dashboardOverview } from './overview.service.ts';
import { computeRfm, summariseRfm } from './rfm.service.ts';

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
      const store = await storeSettingsOf(ctx);
      return dashboardOverview(ctx.db, { days: query.days, now: ctx.clock.now(), timeZone: store.timeZone, currency: store.currency });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/analytics/rfm',
    access: 'analytics.read',
    tag: 'analytics',
    summary: 'RFM groups and the 5×5 R×F grid (customers and revenue) over a window ending at an as-of date',
    query: rfmQuery,
    response: rfmSummary,
    handler: async ({ ctx, query }) => {
      const store = await storeSettingsOf(ctx);
      const asOf = query.asOf ?? todayIn(store.timeZone, ctx.clock.now());
      const rows = await computeRfm(ctx.db, { asOf, windowDays: query.window, timeZone: store.timeZone });
      return { asOf, windowDays: query.window, customers: rows.length, ...summariseRfm(rows) };
    },
  }),
];
