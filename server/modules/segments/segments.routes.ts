import { idParams, okBody, queuedBody } from '../../../contracts/common.ts';
import {
  createSegmentBody,
  membershipHistory,
  estimateResult,
  previewBody,
  previewResult,
  segmentBody,
  segmentCatalog as segmentCatalogBody,
  segmentHistoryQuery,
  segmentList,
  segmentSizes,
  snapshotBody,
  updateSegmentBody,
} from '../../../contracts/segments.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { clusterCustomers } from '../analytics/index.ts';
import { clockOf } from './clock.ts';
import { clusterSegmentBody } from '../../../contracts/analytics.ts';
import { insightsRecomputeJob, refreshLater, segmentRefreshJob } from './segments.jobs.ts';
import { segmentCatalog } from './catalog.service.ts';
import { membershipHistory as historyOf, segmentSizeHistory } from './membership.service.ts';
import { estimateRules, previewRules } from './rules.service.ts';
import { createDynamicSegment, createStaticSegment, deleteSegment, getSegment, listSegments, updateSegment } from './segments.service.ts';
import { z } from 'zod';

export const segmentRoutes = [
  defineRoute({
    method: 'GET',
    url: '/segments',
    access: 'segments.read',
    tag: 'segments',
    summary: 'All segments with their size, status and when they were computed',
    response: segmentList,
    handler: async ({ ctx }) => ({ items: await listSegments(ctx.db) }),
  }),
  defineRoute({
    method: 'GET',
    url: '/segments/catalog',
    access: 'segments.read',
    tag: 'segments',
    summary: 'Fields, operators, channels, categories, products, tags, event names and segments for the rule builder',
    response: segmentCatalogBody,
    handler: ({ ctx }) => segmentCatalog(ctx.db, ctx.modules.segmentFields),
  }),
  defineRoute({
    method: 'POST',
    url: '/segments/preview',
    access: 'segments.read',
    tag: 'segments',
    summary: 'Live count and a sample of the customers a rule tree matches (nothing is saved)',
    body: previewBody,
    response: previewResult,
    handler: async ({ ctx, body }) => previewRules(ctx.db, body.rules, await clockOf(ctx), { showSql: true }),
  }),
  defineRoute({
    method: 'POST',
    url: '/segments/estimate',
    access: 'segments.read',
    tag: 'segments',
    summary:
      'Estimated count of a rule tree from a sample of about 10,000 customers, with a 95% interval (fast at any size; exact for small shops)',
    body: previewBody,
    response: estimateResult,
    handler: async ({ ctx, body }) => estimateRules(ctx.db, body.rules, await clockOf(ctx)),
  }),
  defineRoute({
    method: 'POST',
    url: '/segments',
    access: 'segments.write',
    tag: 'segments',
    status: 201,
    summary: 'Create a dynamic segment from rules (computed in the background) or a static one from a list of customers',
    body: createSegmentBody,
    response: z.object({ segment: segmentBody, unmatched: z.number().int() }),
    handler: async ({ ctx, body, principal, ip }) => {
      const common = { name: body.name, description: body.description, actor: actorOf(principal, ip), clock: await clockOf(ctx) };
      if (body.kind === 'dynamic')
        return { segment: await createDynamicSegment(ctx.db, { ...common, rules: body.rules, onSaved: refreshLater(ctx) }), unmatched: 0 };
      return createStaticSegment(ctx.db, { ...common, customerIds: body.customerIds, externalIds: body.externalIds });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/segments/:id',
    access: 'segments.read',
    tag: 'segments',
    summary: 'One segment',
    params: idParams,
    response: segmentBody,
    handler: ({ ctx, params }) => getSegment(ctx.db, params.id),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/segments/:id',
    access: 'segments.write',
    tag: 'segments',
    summary: 'Rename, describe or change the rules of a segment (new rules are recomputed in the background)',
    params: idParams,
    body: updateSegmentBody,
    response: segmentBody,
    handler: async ({ ctx, params, body, principal, ip }) =>
      updateSegment(ctx.db, params.id, { ...body, actor: actorOf(principal, ip), clock: await clockOf(ctx), onSaved: refreshLater(ctx) }),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/segments/:id',
    access: 'segments.write',
    tag: 'segments',
    summary: 'Delete a segment (refused while another segment’s rules use it)',
    params: idParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await deleteSegment(ctx.db, params.id, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/segments/:id/refresh',
    access: 'segments.write',
    tag: 'segments',
    status: 202,
    summary: 'Recompute a segment’s membership in full, in the background',
    params: idParams,
    response: queuedBody,
    handler: async ({ ctx, params }) => {
      await getSegment(ctx.db, params.id);
      await ctx.queue.enqueue(segmentRefreshJob, { segmentId: params.id });
      return { queued: true as const };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/segments/:id/snapshot',
    access: 'segments.write',
    tag: 'segments',
    status: 201,
    summary: 'Freeze a segment’s current members into a new static segment',
    params: idParams,
    body: snapshotBody,
    response: z.object({ segment: segmentBody, unmatched: z.number().int() }),
    handler: async ({ ctx, params, body, principal, ip }) => {
      const source = await getSegment(ctx.db, params.id);
      return createStaticSegment(ctx.db, {
        name: body.name,
        description: source.name,
        fromSegmentId: params.id,
        actor: actorOf(principal, ip),
        clock: await clockOf(ctx),
      });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/segments/:id/sizes',
    access: 'segments.read',
    tag: 'segments',
    summary: 'Segment size over time',
    params: idParams,
    response: segmentSizes,
    handler: ({ ctx, params }) => segmentSizeHistory(ctx.db, params.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/segments/:id/history',
    access: 'segments.read',
    tag: 'segments',
    summary: 'Who entered and left the segment, and when',
    params: idParams,
    query: segmentHistoryQuery,
    response: membershipHistory,
    handler: async ({ ctx, params, query }) => {
      await getSegment(ctx.db, params.id);
      return historyOf(ctx.db, { segmentId: params.id }, query);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/customers/:id/segments',
    access: 'segments.read',
    tag: 'segments',
    summary: 'A customer’s segment memberships, current and past',
    params: idParams,
    query: segmentHistoryQuery,
    response: membershipHistory,
    handler: ({ ctx, params, query }) => historyOf(ctx.db, { customerId: params.id }, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/analytics/recompute',
    access: 'settings.manage',
    tag: 'analytics',
    status: 202,
    summary: 'Recompute metrics, RFM, lifecycle thresholds and the CLV fit for everyone, then every segment (background)',
    response: queuedBody,
    handler: async ({ ctx }) => {
      await ctx.queue.enqueue(insightsRecomputeJob, {});
      return { queued: true as const };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/segments/from-cluster',
    access: 'segments.write',
    tag: 'segments',
    status: 201,
    summary: 'Save one k-means cluster (same features and k, deterministic) as a static segment',
    body: clusterSegmentBody,
    response: z.object({ segment: segmentBody, unmatched: z.number().int() }),
    handler: async ({ ctx, body, principal, ip }) => {
      const { members } = await clusterCustomers(ctx.db, {
        features: body.features,
        k: body.k,
        channel: body.channel,
        segment: body.segment,
      });
      return createStaticSegment(ctx.db, {
        name: body.name,
        customerIds: members.get(body.cluster) ?? [],
        actor: actorOf(principal, ip),
        clock: await clockOf(ctx),
      });
    },
  }),
];
