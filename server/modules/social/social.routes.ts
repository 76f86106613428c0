import { idParams, okBody } from '../../../contracts/common.ts';
import {
  reviewBody,
  socialBulkBody,
  socialBulkResult,
  socialImportQuery,
  socialImportResult,
  socialList,
  socialListQuery,
  socialPostBody,
  socialPostResult,
  socialReplyBody,
  socialReport,
  socialReportQuery,
  socialSettings,
} from '../../../contracts/social.ts';
import { z } from 'zod';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { revealAsked } from '../customers/index.ts';
import { storeClockOf } from '../system/index.ts';
import { importSocialCsv } from './import.ts';
import { listPosts, recordPost, recordReview, replyToPost, socialReportOf, socialSettingsOf, writeSocialSettings } from './posts.ts';

export const socialRoutes = [
  defineRoute({
    method: 'POST',
    url: '/social/import',
    access: 'customers.write',
    tag: 'social',
    summary:
      'Record posts or reviews from a CSV export (body: the file, Content-Type text/csv): columns by name or mapping; every rejected row with its line and reason',
    query: socialImportQuery,
    body: z.instanceof(Buffer),
    bodyLimit: 50 * 1024 * 1024,
    response: socialImportResult,
    handler: ({ ctx, query, body }) => importSocialCsv(ctx, query, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/social/posts',
    access: 'customers.write',
    tag: 'social',
    summary: 'Record a post, comment, mention or direct message from a platform (once per platform and id); its sentiment',
    body: socialPostBody,
    response: socialPostResult,
    handler: async ({ ctx, body }) => {
      const settings = await socialSettingsOf(ctx.db);
      return ctx.db.transaction().execute((trx) => recordPost(trx, ctx, body, settings));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/social/posts/bulk',
    access: 'customers.write',
    tag: 'social',
    summary: 'Record up to 1,000 posts (a platform export); each item is checked alone and answered by its index',
    body: socialBulkBody,
    response: socialBulkResult,
    handler: async ({ ctx, body }) => {
      const settings = await socialSettingsOf(ctx.db);
      const parsed = body.items.map((item) => socialPostBody.safeParse(item));
      return ctx.db.transaction().execute(async (trx) => {
        const results = [];
        for (const [index, p] of parsed.entries())
          results.push(
            p.success
              ? { index, ...(await recordPost(trx, ctx, p.data, settings)) }
              : {
                  index,
                  error: { code: 'VALIDATION_FAILED', message: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') },
                },
          );
        return { results };
      });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/reviews',
    access: 'customers.write',
    tag: 'social',
    summary: 'Record a product review (marketplace or shop export): rating, text, photos, product and order; once per platform and id',
    body: reviewBody,
    response: socialPostResult,
    handler: async ({ ctx, body }) => {
      const settings = await socialSettingsOf(ctx.db);
      return ctx.db.transaction().execute((trx) => recordReview(trx, ctx, body, settings));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/social/posts',
    access: 'service.read',
    tag: 'social',
    summary: 'Posts newest first, by platform and sentiment, or those still wanting an answer',
    query: socialListQuery,
    response: socialList,
    handler: ({ ctx, query, principal, ip }) => {
      return listPosts(ctx, { ...query, reveal: revealAsked(principal, query.reveal) }, actorOf(principal, ip));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/social/posts/:id/replies',
    access: 'service.write',
    tag: 'social',
    summary: 'Record a reply written in Patron (the platform bridge sends it); the post no longer waits for an answer',
    params: idParams,
    body: socialReplyBody,
    response: okBody,
    handler: async ({ ctx, params, body, principal, ip }) => {
      await replyToPost(ctx, params.id, body.text, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/social/settings',
    access: 'service.read',
    tag: 'social',
    summary: 'Whether a negative post by a known customer opens a complaint ticket',
    response: socialSettings,
    handler: ({ ctx }) => socialSettingsOf(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/social/settings',
    access: 'settings.manage',
    tag: 'social',
    summary: 'Save the social listening settings; audited',
    body: socialSettings,
    response: socialSettings,
    handler: ({ ctx, body, principal, ip }) => writeSocialSettings(ctx.db, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/social/report',
    access: 'analytics.read',
    tag: 'social',
    summary: 'Volume and sentiment by day and platform, topics, most active authors, posts still wanting an answer',
    query: socialReportQuery,
    response: socialReport,
    handler: async ({ ctx, query }) => socialReportOf(ctx.db, { ...query, timeZone: (await storeClockOf(ctx)).timeZone }),
  }),
];
