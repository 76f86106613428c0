import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/** What people say about the shop on social platforms, from any platform's bridge or an export. */
export const SOCIAL_KINDS = ['post', 'comment', 'mention', 'dm'] as const;
export const SENTIMENTS = ['positive', 'neutral', 'negative'] as const;

const platform = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/)
  .describe('A channel code: weibo, douyin, xiaohongshu, wechat, instagram …');

export const socialPostBody = z.strictObject({
  platform,
  externalId: z.string().trim().min(1).max(200),
  kind: z.enum(SOCIAL_KINDS),
  /** The post a comment answers. */
  parentExternalId: z.string().max(200).optional(),
  author: z.strictObject({ id: z.string().trim().min(1).max(200), name: z.string().max(100).optional() }),
  text: z.string().max(10_000),
  media: z.array(z.url().max(2000)).max(20).default([]),
  url: z.url().max(2000).optional(),
  likes: z.number().int().min(0).default(0),
  replies: z.number().int().min(0).default(0),
  productSku: z.string().max(100).optional(),
  orderRef: z.string().max(200).optional(),
  postedAt: z.iso.datetime({ offset: true }),
});
export type SocialPostBody = z.infer<typeof socialPostBody>;
export const socialBulkBody = z.strictObject({ items: z.array(z.unknown()).min(1).max(1000) });

export const socialPostResult = z.object({
  id: z.number().int(),
  created: z.boolean(),
  customerId: z.number().int().nullable(),
  sentiment: z.enum(SENTIMENTS),
  ticketId: z.number().int().nullable(),
});
export const socialBulkResult = z.object({
  results: z.array(
    z.union([
      socialPostResult.extend({ index: z.number().int() }),
      z.object({ index: z.number().int(), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});

export const socialListQuery = z.strictObject({
  ...pageQuery,
  platform: z.string().max(40).optional(),
  sentiment: z.enum(SENTIMENTS).optional(),
  unanswered: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Only posts that ask something or complain and have no reply yet'),
  reveal: z
    .enum(['true', 'false'])
    .default('false')
    .describe('Direct messages with the phone numbers and e-mail addresses in them in clear (needs pii.read; audited)'),
  customerId: z.coerce.number().int().positive().optional(),
});
export const socialPostView = z.object({
  id: z.number().int(),
  platform: z.string(),
  externalId: z.string(),
  kind: z.enum(SOCIAL_KINDS),
  authorId: z.string(),
  authorName: z.string().nullable(),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  text: z.string(),
  url: z.string().nullable(),
  likes: z.number().int(),
  replies: z.number().int(),
  productSku: z.string().nullable(),
  sentiment: z.number(),
  sentimentLabel: z.enum(SENTIMENTS),
  sentimentWords: z.array(z.object({ word: z.string(), weight: z.number() })),
  needsAnswer: z.boolean(),
  ticketId: z.number().int().nullable(),
  answeredAt: z.string().nullable(),
  postedAt: z.string(),
  ourReplies: z.array(z.object({ text: z.string(), at: z.string() })),
});
export const socialList = pageOf(socialPostView);
export const socialReplyBody = z.strictObject({ text: z.string().trim().min(1).max(2000) });

export const socialSettings = z.strictObject({
  /** A negative post by a known customer opens a complaint ticket with the post. */
  ticketOnNegative: z.boolean().default(true),
});
export type SocialSettings = z.infer<typeof socialSettings>;

/** A product review from a marketplace or shop export: the buyer (by the platform's buyer id or the order), rating, text, photos. */
export const reviewBody = z.strictObject({
  platform,
  externalId: z.string().trim().min(1).max(200),
  author: z.strictObject({ id: z.string().trim().min(1).max(200), name: z.string().max(100).optional() }),
  rating: z.number().int().min(1).max(5),
  text: z.string().max(10_000).default(''),
  media: z.array(z.url().max(2000)).max(20).default([]),
  productSku: z.string().trim().min(1).max(100),
  orderRef: z.string().max(200).optional(),
  postedAt: z.iso.datetime({ offset: true }),
});
export type ReviewBody = z.infer<typeof reviewBody>;

/** A CSV of posts or reviews (a platform's or marketplace's export): which, and how to read it. */
export const socialImportQuery = z.strictObject({
  type: z.enum(['posts', 'reviews']),
  /** The platform of rows without a platform column. */
  platform: platform.optional(),
  encoding: z.enum(['utf-8', 'gb18030', 'utf-16le', 'utf-16be', 'big5', 'windows-1252']).optional(),
  /** How dates are written when not ISO or YYYY-MM-DD hh:mm (e.g. DD/MM/YYYY HH:mm); read in the store's time zone. */
  dateFormat: z.string().max(40).optional(),
  /** Field → column, for columns the header does not name in a way Patron recognises (JSON). */
  mapping: z.string().max(4000).optional().describe('e.g. {"text":"评语","author_id":"用户"}'),
});
export const SOCIAL_IMPORT_FIELDS = {
  posts: [
    'platform',
    'external_id',
    'kind',
    'parent_external_id',
    'author_id',
    'author_name',
    'text',
    'media',
    'url',
    'likes',
    'replies',
    'product_sku',
    'order_ref',
    'posted_at',
  ],
  reviews: ['platform', 'external_id', 'author_id', 'author_name', 'rating', 'text', 'media', 'product_sku', 'order_ref', 'posted_at'],
} as const;
export const socialImportResult = z.object({
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  /** Each column the file was read by, per field. */
  mapping: z.record(z.string(), z.string()),
  rejected: z.number().int(),
  /** The rejected rows (the first 1,000): line in the file, the column at fault, why. */
  problems: z.array(z.object({ row: z.number().int(), column: z.string().nullable(), reason: z.string() })),
});

export const socialReportQuery = z.strictObject({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export const socialReport = z.object({
  byDay: z.array(z.object({ day: z.string(), positive: z.number().int(), neutral: z.number().int(), negative: z.number().int() })),
  byPlatform: z.array(z.object({ platform: z.string(), posts: z.number().int(), negativeShare: z.number() })),
  topics: z.array(z.object({ words: z.array(z.string()), count: z.number().int(), examples: z.array(z.string()) })),
  authors: z.array(
    z.object({
      platform: z.string(),
      authorId: z.string(),
      name: z.string().nullable(),
      customerId: z.number().int().nullable(),
      posts: z.number().int(),
      likes: z.number().int(),
    }),
  ),
  unanswered: z.number().int(),
  /** Reviews per product: how many, the average rating, the share with a negative text. */
  products: z.array(z.object({ sku: z.string(), reviews: z.number().int(), averageRating: z.number(), negativeShare: z.number() })),
});
