import type { z } from 'zod';
import * as contracts from '../../../contracts/analytics.ts';
import { idParams } from '../../../contracts/common.ts';
import { dashboardBody, dashboardQuery } from '../../../contracts/dashboard.ts';
import type { Db } from '../../db/index.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { todayIn } from '../../platform/clock.ts';
import type { AppContext } from '../../platform/context.ts';
import { storeSettingsOf } from '../system/index.ts';
import { associationRules, recommendationsFor } from './affinity.service.ts';
import { clusterCustomers } from './clusters.service.ts';
import { customerInsights, modelsOverview, rfmHistory, setLifecycle } from './insights.service.ts';
import { dashboardOverview, dashboardParams } from './overview.service.ts';
import { channelReport, cohortReport, demographicsReport, geographyReport, overviewReport, valueReport } from './reports.service.ts';
import { computeRfm, summariseRfm } from './rfm.service.ts';
import { scorecardOf } from './scorecard.ts';
import { attributionSettingsOf } from '../campaigns/index.ts';
import { type StoreView, storedQuestion } from './snapshots.service.ts';

/** A report's question for a request's filter: the route and the page's opening question build it alike (one key). */
const reportParams = (filter: contracts.ReportFilter, store: StoreView) => ({ ...filter, timeZone: store.timeZone });

type ReportFn<R> = (db: Db, f: contracts.ReportFilter & { timeZone: string }) => Promise<R>;

const refreshFailed = (ctx: AppContext) => (err: unknown) => ctx.log.warn({ err }, 'analytics answer refresh failed');

/**
 * One GET route per analytics report, all taking the same filter (dates, channel, segment). Each scans the orders,
 * so each is a stored question: viewers read the stored answer (snapshots.service.ts).
 */
const report = <R extends { asOf: string }>(name: string, summary: string, response: z.ZodType<R>, fn: ReportFn<Omit<R, 'asOf'>>) => {
  // The analytics page opens with no filter.
  const question = storedQuestion(`report.${name}`, fn, (store) => reportParams(contracts.reportFilter.parse({}), store));
  return defineRoute({
    method: 'GET',
    url: `/analytics/reports/${name}`,
    access: 'analytics.read',
    tag: 'analytics',
    summary,
    query: contracts.reportFilter,
    response,
    handler: async ({ ctx, query }) =>
      question.answer(ctx.db, reportParams(query, await storeSettingsOf(ctx)), ctx.clock.now(), refreshFailed(ctx)),
  });
};

export const analyticsRoutes = [
  defineRoute({
    method: 'GET',
    url: '/analytics/scorecard',
    access: 'analytics.read',
    tag: 'analytics',
    summary:
      'Each sales channel side by side: buyers new and returning, revenue and share, AOV, repeat and return rates, CSAT, NPS, contacts per order, messaging cost',
    query: contracts.scorecardQuery,
    response: contracts.scorecard,
    handler: async ({ ctx, query }) => {
      const [store, attribution] = await Promise.all([storeSettingsOf(ctx), attributionSettingsOf(ctx.db)]);
      return scorecardOf(ctx.db, {
        ...query,
        timeZone: store.timeZone,
        currency: store.currency,
        smsPricePerPart: attribution.smsPricePerPart,
      });
    },
  }),
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
      return dashboardOverview.answer(ctx.db, dashboardParams(query, store), ctx.clock.now(), refreshFailed(ctx));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/analytics/rfm',
    access: 'analytics.read',
    tag: 'analytics',
    summary: 'RFM groups and the 5×5 R×F grid (customers and revenue) over a window ending at an as-of date',
    query: contracts.rfmQuery,
    response: contracts.rfmSummary,
    handler: async ({ ctx, query }) => {
      const store = await storeSettingsOf(ctx);
      const asOf = query.asOf ?? todayIn(store.timeZone, ctx.clock.now());
      const rows = await computeRfm(ctx.db, {
        asOf,
        windowDays: query.window,
        timeZone: store.timeZone,
        channel: query.channel,
        segment: query.segment,
      });
      return { asOf, windowDays: query.window, customers: rows.length, ...summariseRfm(rows) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/analytics/models',
    access: 'analytics.read',
    tag: 'analytics',
    summary: 'The CLV fit (BG/NBD + Gamma-Gamma) with its calibration-vs-holdout check, lifecycle thresholds and stage sizes',
    response: contracts.analyticsModels,
    handler: ({ ctx }) => modelsOverview(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/analytics/lifecycle',
    access: 'settings.manage',
    tag: 'analytics',
    summary: 'Fix the lifecycle thresholds (days since the last order), or derive them again from purchase intervals',
    body: contracts.lifecycleBody,
    response: contracts.lifecycleThresholds,
    handler: ({ ctx, body, principal, ip }) => setLifecycle(ctx.db, { body, actor: actorOf(principal, ip), now: ctx.clock.now() }),
  }),
  defineRoute({
    method: 'GET',
    url: '/analytics/rfm/history',
    access: 'analytics.read',
    tag: 'analytics',
    summary: 'RFM group sizes and revenue at each full recompute',
    response: contracts.rfmHistory,
    handler: ({ ctx }) => rfmHistory(ctx.db),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id/insights',
    access: 'customers.read',
    tag: 'analytics',
    summary: 'A customer’s metrics, lifecycle stage, RFM scores and predictions (CLV, churn, next order)',
    params: idParams,
    response: contracts.customerInsights,
    handler: ({ ctx, params }) => customerInsights(ctx.db, params.id),
  }),
  report(
    'overview',
    'KPIs (customers, buyers, active, repeat rate, AOV, revenue, average CLV) with monthly trends',
    contracts.overviewReport,
    overviewReport,
  ),
  report(
    'cohorts',
    'Retention by first-order month: share of each cohort buying again k months later',
    contracts.cohortReport,
    cohortReport,
  ),
  report('channels', 'Buyers, revenue and repeat rate per channel, and cross-channel overlap', contracts.channelReport, channelReport),
  report('geography', 'Customers, buyers and revenue by province', contracts.geographyReport, geographyReport),
  report('demographics', 'Customers and revenue by gender and age band', contracts.demographicsReport, demographicsReport),
  report(
    'value',
    'Predicted-value distribution, churn-risk bands and the most valuable customers at risk',
    contracts.valueReport,
    valueReport,
  ),
  defineRoute({
    method: 'GET',
    url: '/analytics/associations',
    access: 'analytics.read',
    tag: 'analytics',
    summary: 'Products bought together: support, confidence and lift of A → B over a window of paid orders',
    query: contracts.associationQuery,
    response: contracts.associationRules,
    handler: ({ ctx, query }) =>
      associationRules(ctx.db, {
        now: ctx.clock.now(),
        windowDays: query.window,
        minSupport: query.minSupport,
        minConfidence: query.minConfidence,
        productId: query.product,
        limit: query.limit,
      }),
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id/recommendations',
    access: 'customers.read',
    tag: 'analytics',
    summary: 'Products to recommend to a customer (item-to-item co-purchase weighted by recency)',
    params: idParams,
    response: contracts.recommendations,
    handler: ({ ctx, params }) => recommendationsFor(ctx.db, params.id, { now: ctx.clock.now(), windowDays: 365 }),
  }),
  defineRoute({
    method: 'POST',
    url: '/analytics/clusters',
    access: 'analytics.read',
    tag: 'analytics',
    summary: 'k-means clusters of buying customers on standardised RFM (and optionally CLV), k chosen by silhouette unless given',
    body: contracts.clusterBody,
    response: contracts.clusterResult,
    handler: async ({ ctx, body }) => {
      const { members: _members, ...result } = await clusterCustomers(ctx.db, body);
      return result;
    },
  }),
];
