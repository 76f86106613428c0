import { idParams, okBody } from '../../../contracts/common.ts';
import { adAudienceBody, adAudienceList, adAudienceView } from '../../../contracts/campaigns.ts';
import { audienceFile, createAudience, deleteAudience, listAudiences, rebuildAudience } from './ad-audiences.ts';
import {
  attributionSettings,
  campaignBody,
  campaignEstimate,
  campaignList,
  campaignListQuery,
  campaignReport,
  campaignView,
  couponCodesBody,
  couponCodesResult,
  recipientPage,
  recipientQuery,
} from '../../../contracts/campaigns.ts';
import { attachment } from '../../http/attachment.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { batchCodes, createBatch } from '../loyalty/index.ts';
import {
  addCouponCodes,
  attributionSettingsOf,
  campaignRecipients,
  campaignReport as reportOfCampaign,
  cancelCampaign,
  createCampaign,
  deleteCampaign,
  estimateCampaign,
  getCampaign,
  listCampaigns,
  pauseCampaign,
  recipientsCsv,
  reportCsv,
  resumeCampaign,
  saveAttributionSettings,
  sendCampaign,
  updateCampaign,
} from './campaigns.service.ts';

const action = (url: string, summary: string, run: typeof pauseCampaign) =>
  defineRoute({
    method: 'POST',
    url: `/campaigns/:id/${url}`,
    access: 'marketing.write',
    tag: 'campaigns',
    summary,
    params: idParams,
    response: campaignView,
    handler: ({ ctx, params, principal, ip }) => run(ctx, params.id, actorOf(principal, ip)),
  });

export const campaignRoutes = [
  defineRoute({
    method: 'GET',
    url: '/campaigns',
    access: 'marketing.read',
    tag: 'campaigns',
    summary: 'Campaigns, newest first, with their status and key figures',
    query: campaignListQuery,
    response: campaignList,
    handler: ({ ctx, query }) => listCampaigns(ctx.db, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/campaigns',
    access: 'marketing.write',
    tag: 'campaigns',
    summary: 'Create a campaign as a draft; audited',
    body: campaignBody,
    response: campaignView,
    handler: ({ ctx, body, principal, ip }) => createCampaign(ctx.db, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/campaigns/:id',
    access: 'marketing.read',
    tag: 'campaigns',
    summary: 'A campaign: its definition, state and coupon code pool',
    params: idParams,
    response: campaignView,
    handler: ({ ctx, params }) => getCampaign(ctx.db, params.id),
  }),
  defineRoute({
    method: 'PUT',
    url: '/campaigns/:id',
    access: 'marketing.write',
    tag: 'campaigns',
    summary: 'Change a draft; audited',
    params: idParams,
    body: campaignBody,
    response: campaignView,
    handler: ({ ctx, params, body, principal, ip }) => updateCampaign(ctx.db, params.id, body, actorOf(principal, ip), ctx.clock.now()),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/campaigns/:id',
    access: 'marketing.write',
    tag: 'campaigns',
    summary: 'Delete a draft; audited',
    params: idParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await deleteCampaign(ctx.db, params.id, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/campaigns/:id/estimate',
    access: 'marketing.read',
    tag: 'campaigns',
    summary: 'Reach before sending: per channel who can be sent to and why the others cannot, the holdout, the SMS cost',
    params: idParams,
    response: campaignEstimate,
    handler: ({ ctx, params }) => estimateCampaign(ctx, params.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/campaigns/:id/coupon-codes',
    access: 'marketing.write',
    tag: 'campaigns',
    summary:
      'Add codes to the campaign’s pool (a list, or a new batch of a coupon template); each recipient is given one when sending starts; audited',
    params: idParams,
    body: couponCodesBody,
    response: couponCodesResult,
    handler: async ({ ctx, params, body, principal, ip }) => {
      const actor = actorOf(principal, ip);
      if ('codes' in body) return addCouponCodes(ctx.db, params.id, body.codes, actor);
      await getCampaign(ctx.db, params.id);
      const batch = await createBatch(ctx.db, body.templateId, { count: body.count, prefix: '', length: 10 }, actor, ctx.clock.now());
      return addCouponCodes(ctx.db, params.id, await batchCodes(ctx.db, batch.id), actor);
    },
  }),
  action('send', 'Send: now, at the scheduled time or at a time in each recipient’s zone (checked first); audited', sendCampaign),
  action('pause', 'Pause: queued messages are held, nothing more is handed to a provider; audited', pauseCampaign),
  action('resume', 'Resume from where it stopped (paced again from now); nothing is sent twice; audited', resumeCampaign),
  action('cancel', 'Cancel: what has not been handed to a provider is never sent; audited', cancelCampaign),
  defineRoute({
    method: 'GET',
    url: '/campaigns/:id/report',
    access: 'marketing.read',
    tag: 'campaigns',
    summary: 'Funnel, orders and revenue credited, cost and ROI, per variant and channel, holdout uplift with 95% intervals',
    params: idParams,
    response: campaignReport,
    handler: ({ ctx, params }) => reportOfCampaign(ctx, params.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/campaigns/:id/report.csv',
    access: 'marketing.read',
    tag: 'campaigns',
    summary: 'The report’s figures as CSV: the campaign, each variant, each channel',
    params: idParams,
    handler: async ({ ctx, params, reply }) => {
      const csv = reportCsv(await reportOfCampaign(ctx, params.id));
      return attachment(reply, 'text/csv; charset=utf-8', `campaign-${params.id}.csv`, csv);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/campaigns/:id/recipients',
    access: 'marketing.read',
    tag: 'campaigns',
    summary: 'The audience snapshot with what became of each person, filterable by outcome and variant',
    params: idParams,
    query: recipientQuery,
    response: recipientPage,
    handler: ({ ctx, params, query }) => campaignRecipients(ctx.db, params.id, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/campaigns/:id/recipients.csv',
    access: 'customers.export',
    tag: 'campaigns',
    summary: 'Every recipient and outcome as CSV; audited as an export',
    params: idParams,
    handler: async ({ ctx, params, principal, ip, reply }) => {
      const csv = await recipientsCsv(ctx.db, params.id, actorOf(principal, ip));
      return attachment(reply, 'text/csv; charset=utf-8', `campaign-${params.id}-recipients.csv`, csv);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/settings/attribution',
    access: 'settings.read',
    tag: 'campaigns',
    summary: 'Attribution windows and the SMS price per part',
    response: attributionSettings,
    handler: ({ ctx }) => attributionSettingsOf(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/settings/attribution',
    access: 'settings.manage',
    tag: 'campaigns',
    summary: 'Change the attribution windows and the SMS price per part; audited',
    body: attributionSettings,
    response: attributionSettings,
    handler: ({ ctx, body, principal, ip }) => saveAttributionSettings(ctx.db, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/ad-audiences',
    access: 'marketing.read',
    tag: 'campaigns',
    summary: 'Segments kept as ad platform audiences (巨量引擎, Tencent Ads, Meta, Google), with their last build',
    response: adAudienceList,
    handler: ({ ctx }) => listAudiences(ctx.db),
  }),
  defineRoute({
    method: 'POST',
    url: '/ad-audiences',
    access: 'customers.export',
    tag: 'campaigns',
    summary:
      'Keep a segment as a platform audience: SHA-256 e-mails and phones of its people who agreed to sharing, rebuilt every N hours, pushed to an adapter URL if given; built now; audited',
    body: adAudienceBody,
    response: adAudienceView,
    handler: ({ ctx, body, principal, ip }) => createAudience(ctx, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'POST',
    url: '/ad-audiences/:id/rebuild',
    access: 'customers.export',
    tag: 'campaigns',
    summary: 'Rebuild (and push) an audience now; audited',
    params: idParams,
    response: adAudienceView,
    handler: ({ ctx, params, principal, ip }) => rebuildAudience(ctx, params.id, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/ad-audiences/:id/file',
    access: 'customers.export',
    tag: 'campaigns',
    summary: 'The latest upload file (CSV for Meta and Google, one hash a line for 巨量引擎 and Tencent Ads); audited',
    params: idParams,
    handler: async ({ ctx, params, principal, ip, reply }) => {
      const f = await audienceFile(ctx.db, params.id, actorOf(principal, ip));
      return attachment(reply, f.contentType, f.name, f.file);
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/ad-audiences/:id',
    access: 'customers.export',
    tag: 'campaigns',
    summary: 'Stop keeping an audience; audited',
    params: idParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await deleteAudience(ctx.db, params.id, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
];
