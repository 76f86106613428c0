import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/**
 * A campaign: a send to segments (minus exclusions), in up to four variants of templates, now, at a time or at a
 * time in each recipient's zone, paced, with an optional A/B test and a holdout that is never sent to.
 */
const templateKey = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,79}$/, 'a message template key');
const segmentIds = z.array(z.number().int().positive()).max(10);

export const campaignChannel = z
  .enum(['email', 'sms', 'email_then_sms'])
  .describe('email_then_sms: e-mail where the person consented to it and can be reached, SMS otherwise');

export const campaignVariant = z.strictObject({
  /** The template per channel the variant sends (the channel mode says which are needed). */
  email: templateKey.nullable().default(null),
  sms: templateKey.nullable().default(null),
  /** Send-time variants: minutes after the campaign's send time. */
  delayMinutes: z.number().int().min(0).max(10_080).default(0),
});

/** Variants are named A, B, C, D in their order. */
export const variantName = (index: number) => String.fromCharCode(65 + index);

export const abMetric = z.enum(['click_rate', 'conversion_rate', 'revenue_per_recipient']);

export const campaignSchedule = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('now') }),
  z.strictObject({ mode: z.literal('at'), at: z.iso.datetime({ offset: true }) }),
  z.strictObject({
    mode: z.literal('local'),
    date: z.iso.date(),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
  }),
]);

export const campaignBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  audience: z.strictObject({
    segments: segmentIds.min(1),
    exclude: segmentIds.default([]),
    /** Leave out people sent any campaign in the last N days. */
    notContactedDays: z.number().int().min(1).max(365).nullable().default(null),
  }),
  channel: campaignChannel,
  variants: z.array(campaignVariant).min(1).max(4),
  schedule: campaignSchedule.default({ mode: 'now' }),
  /** Messages per minute at most (null: as fast as the providers take them). */
  throttlePerMinute: z.number().int().min(1).max(1_000_000).nullable().default(null),
  /** A random share never sent to, to measure what the campaign added (percent, 0 = none). */
  holdoutPercent: z.number().min(0).max(50).default(10),
  /**
   * Invite each recipient (the holdout excepted) to this open survey; the messages print the person's own link with
   * {{ survey_url }}. Their answers come back as the survey's results and the customer's `survey.answered` events.
   */
  surveyId: z.number().int().positive().nullable().default(null),
  /** With two or more variants: the share tested first, how long, and how the winner is chosen. */
  test: z
    .strictObject({ percent: z.number().min(2).max(50), hours: z.number().min(1).max(168), metric: abMetric })
    .nullable()
    .default(null),
});
export type CampaignBody = z.infer<typeof campaignBody>;
export type CampaignInput = z.input<typeof campaignBody>;

export const campaignStatus = z.enum(['draft', 'scheduled', 'sending', 'testing', 'paused', 'done', 'cancelled', 'failed']);

export const campaignFigures = z.object({
  recipients: z.number().int(),
  control: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  opened: z.number().int(),
  clicked: z.number().int(),
  unsubscribed: z.number().int(),
  bounced: z.number().int(),
  orders: z.number().int(),
  revenue: z.number().int().describe('Net paid (refunds deducted) of the attributed orders, minor units'),
  cost: z.number().int().describe('SMS parts sent × the price per part, minor units'),
  roi: z.number().nullable().describe('(revenue − cost) / cost; null without cost'),
});

export const campaignView = z.object({
  id: z.number().int(),
  name: z.string(),
  status: campaignStatus,
  definition: campaignBody,
  sendAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  testEndsAt: z.string().nullable(),
  winner: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  couponCodes: z.object({ total: z.number().int(), drawn: z.number().int() }),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CampaignView = z.infer<typeof campaignView>;
export const campaignListItem = campaignView.omit({ definition: true }).extend({ channel: campaignChannel, figures: campaignFigures });
export const campaignList = pageOf(campaignListItem);
export const campaignListQuery = z.strictObject({ ...pageQuery, status: campaignStatus.optional() });

export const reachChannel = z.object({
  reachable: z.number().int(),
  excluded: z.object({ no_contact: z.number().int(), suppressed: z.number().int(), no_consent: z.number().int() }),
});
export const campaignEstimate = z.object({
  members: z.number().int().describe('In the segments, after exclusion segments and recent contact'),
  excluded: z.object({ segments: z.number().int(), recentlyContacted: z.number().int(), holdout: z.number().int() }),
  email: reachChannel.nullable(),
  sms: reachChannel.nullable(),
  /** For email_then_sms: e-mail for those it reaches, SMS for the rest it reaches. */
  total: z.number().int(),
  sms_cost: z.object({ parts: z.number().int(), perPart: z.number(), amount: z.number().int() }).nullable(),
  couponCodesShort: z.number().int().describe('Recipients the code pool cannot cover (0 when it can or has no codes)'),
  note: z.string().describe('Caps and quiet hours are applied when each message is sent'),
});

export const couponCodesBody = z.union([
  z.strictObject({ codes: z.array(z.string().trim().min(1).max(100)).min(1).max(200_000) }),
  z
    .strictObject({ templateId: z.number().int().positive(), count: z.number().int().positive().max(200_000) })
    .describe('Codes generated from a loyalty coupon template (a new batch of it), so the store can validate and redeem them'),
]);
export const couponCodesResult = z.object({ added: z.number().int(), duplicates: z.number().int(), total: z.number().int() });

export const interval = z.object({ low: z.number(), high: z.number() });
export const variantReport = z.object({
  variant: z.string(),
  recipients: z.number().int(),
  figures: campaignFigures,
  metric: z.object({ name: abMetric, value: z.number(), interval }).nullable(),
});
export const campaignReport = z.object({
  campaign: campaignView,
  figures: campaignFigures,
  skipped: z.record(z.string(), z.number().int()).describe('Messages not sent, by reason'),
  pending: z.number().int().describe('Messages still queued, held or sending'),
  byVariant: z.array(variantReport),
  byChannel: z.array(z.object({ channel: z.enum(['email', 'sms']), figures: campaignFigures })),
  test: z
    .object({
      metric: abMetric,
      winner: z.string().nullable(),
      significant: z.boolean(),
      pValue: z.number().nullable(),
      decidedAt: z.string().nullable(),
    })
    .nullable(),
  holdout: z
    .object({
      windowDays: z.number(),
      treated: z.object({ people: z.number().int(), converted: z.number().int(), revenue: z.number().int() }),
      control: z.object({ people: z.number().int(), converted: z.number().int(), revenue: z.number().int() }),
      conversionUplift: z.object({ value: z.number(), interval, significant: z.boolean() }),
      revenuePerRecipientUplift: z.object({ value: z.number(), interval, significant: z.boolean() }),
      incrementalRevenue: z.number().int().describe('Uplift per recipient × treated people, minor units'),
    })
    .nullable(),
  overTime: z.array(
    z.object({
      day: z.string(),
      sent: z.number().int(),
      opened: z.number().int(),
      clicked: z.number().int(),
      orders: z.number().int(),
      revenue: z.number().int(),
    }),
  ),
  topLinks: z.array(z.object({ url: z.string(), clicks: z.number().int(), people: z.number().int() })),
});
export type CampaignReport = z.infer<typeof campaignReport>;

export const recipientOutcome = z.enum(['control', 'pending', 'skipped', 'sent', 'delivered', 'bounced', 'opened', 'clicked', 'converted']);
export const recipientQuery = z.strictObject({ ...pageQuery, outcome: recipientOutcome.optional(), variant: z.string().max(1).optional() });
export const recipientRow = z.object({
  customerId: z.number().int(),
  name: z.string().nullable(),
  arm: z.enum(['control', 'test', 'rest']),
  variant: z.string().nullable(),
  channel: z.enum(['email', 'sms']),
  status: z.string().nullable(),
  skipReason: z.string().nullable(),
  opened: z.boolean(),
  clicked: z.boolean(),
  orders: z.number().int(),
  revenue: z.number().int(),
});
export const recipientPage = pageOf(recipientRow);

export const attributionSettings = z.strictObject({
  emailHours: z.number().min(1).max(720).describe('E-mail click or human open before the order'),
  smsClickHours: z.number().min(1).max(720),
  smsDeliveredHours: z.number().min(0).max(720).describe('0: an SMS only delivered is not credited'),
  smsPricePerPart: z.number().min(0).max(100).describe('Price of one SMS part, in the store currency (0.045)'),
});
export type AttributionSettings = z.infer<typeof attributionSettings>;

export const adPlatform = z.enum(['ocean_engine', 'tencent_ads', 'meta', 'google']);
export const adAudienceQuery = z.strictObject({ platform: adPlatform });

export const adAudienceBody = z.strictObject({
  segmentId: z.number().int().positive(),
  platform: adPlatform,
  refreshHours: z.number().int().min(1).max(720).default(24),
  /** Pushed to an adapter endpoint after each rebuild (no push: a file to download). */
  push: z
    .strictObject({ url: z.url({ protocol: /^https?$/ }), token: z.string().min(8).max(500) })
    .nullable()
    .default(null),
});
export const adAudienceView = z.object({
  id: z.number().int(),
  segmentId: z.number().int(),
  segmentName: z.string(),
  platform: adPlatform,
  refreshHours: z.number().int(),
  pushUrl: z.string().nullable(),
  people: z.number().int().nullable().describe('People of the segment who agreed to sharing and have an identifier'),
  identifiers: z.number().int().nullable(),
  refreshedAt: z.string().nullable(),
  nextAt: z.string(),
  error: z.string().nullable(),
});
export const adAudienceList = z.object({ items: z.array(adAudienceView) });
