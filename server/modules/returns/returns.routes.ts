import { z } from 'zod';
import { idParams, revealQuery } from '../../../contracts/common.ts';
import {
  createReturnBody,
  moveReturnBody,
  returnList,
  returnListQuery,
  returnSettings,
  returnView,
  returnableView,
  returnsReport,
  returnsReportQuery,
} from '../../../contracts/returns.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { revealAsked } from '../customers/index.ts';
import { storeClockOf } from '../system/index.ts';
import { photoOf, listReturns, returnDetail } from './queries.ts';
import { rangeOf, returnsReportOf } from './report.ts';
import { createReturn, move, returnEnvOf, returnableOf } from './requests.ts';
import { returnSettingsOf, writeReturnSettings } from './settings.ts';
import { returnOrderUrl } from './templates.ts';

const photoParams = z.strictObject({ id: z.coerce.number().int().positive(), photoId: z.coerce.number().int().positive() });

export const returnsRoutes = [
  defineRoute({
    method: 'GET',
    url: '/returns/settings',
    access: 'service.read',
    tag: 'returns',
    summary: 'Return reasons, the return window, auto-approval rules, store-credit rate',
    response: returnSettings,
    handler: ({ ctx }) => returnSettingsOf(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/returns/settings',
    access: 'settings.manage',
    tag: 'returns',
    summary: 'Save the returns settings (requests already made keep their reason keys); audited',
    body: returnSettings,
    response: returnSettings,
    handler: ({ ctx, body, principal, ip }) => writeReturnSettings(ctx.db, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/returns',
    access: 'service.read',
    tag: 'returns',
    summary: 'Returns and exchanges, newest first: Patron’s own requests and refunds from marketplaces and shop platforms',
    query: returnListQuery,
    response: returnList,
    handler: ({ ctx, query }) => listReturns(ctx.db, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/returns',
    access: 'service.write',
    tag: 'returns',
    summary: 'Ask for a return of lines of an order (never more than bought less what other returns hold); auto-approved by the rules',
    body: createReturnBody,
    response: returnView,
    status: 201,
    handler: async ({ ctx, body, principal, ip }) => {
      const env = await returnEnvOf(ctx);
      const id = await ctx.db.transaction().execute((trx) => createReturn(trx, env, body, actorOf(principal, ip).label));
      return returnDetail(ctx, id);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/returns/report',
    access: 'analytics.read',
    tag: 'returns',
    summary: 'Return rate by product (and its change), reasons, channels, months, refunds, time in each state; complaints by cause',
    query: returnsReportQuery,
    response: returnsReport,
    handler: async ({ ctx, query }) => {
      const { timeZone } = await storeClockOf(ctx);
      return returnsReportOf(ctx.db, await rangeOf(ctx.db, query, timeZone));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/returns/:id',
    access: 'service.read',
    tag: 'returns',
    summary: 'A return with its lines, inspection, resolution and history',
    params: idParams,
    query: revealQuery,
    response: returnView,
    handler: ({ ctx, params, query, principal, ip }) => {
      return returnDetail(ctx, params.id, revealAsked(principal, query.reveal) ? { actor: actorOf(principal, ip) } : null);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/returns/:id/moves',
    access: 'service.write',
    tag: 'returns',
    summary: 'Move a return: approve, reject, ship (carrier, tracking), receive, inspect (per line), resolve, close, cancel',
    params: idParams,
    body: moveReturnBody,
    response: returnView,
    handler: async ({ ctx, params, body, principal, ip }) => {
      const env = await returnEnvOf(ctx);
      await ctx.db.transaction().execute((trx) => move(trx, env, params.id, body, actorOf(principal, ip).label));
      return returnDetail(ctx, params.id);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/returns/:id/photos/:photoId',
    access: 'service.read',
    tag: 'returns',
    summary: 'A photo the customer sent with the request',
    params: photoParams,
    handler: async ({ ctx, params, reply }) => {
      const p = await photoOf(ctx.db, params.id, params.photoId);
      reply.header('content-type', p.content_type).header('x-content-type-options', 'nosniff');
      return p.data;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/orders/:id/returnable',
    access: 'service.read',
    tag: 'returns',
    summary: 'What of an order can still be returned, and the signed link where its buyer asks for a return',
    params: idParams,
    response: returnableView.extend({ requestUrl: z.string() }),
    handler: async ({ ctx, params }) => ({
      ...(await returnableOf(ctx, params.id, await returnSettingsOf(ctx.db))),
      requestUrl: returnOrderUrl(ctx, params.id),
    }),
  }),
];
