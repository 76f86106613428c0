import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/** The knowledge base: help-centre articles (public) and agents' notes (internal), in Simplified Chinese and English. */
export const KB_LANGUAGES = ['zh-CN', 'en'] as const;
export type KbLanguage = (typeof KB_LANGUAGES)[number];

const slug = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens');
const articleText = z.strictObject({
  title: z.string().trim().min(1).max(200),
  /** Markdown; raw HTML is not rendered, links are kept, the result is sanitised. */
  body: z.string().max(100_000),
});

export const categoryBody = z.strictObject({
  slug,
  names: z.strictObject({ 'zh-CN': z.string().trim().min(1).max(60), en: z.string().trim().min(1).max(60) }),
  position: z.number().int().min(0).max(10_000).default(0),
});
export const categoryView = categoryBody.extend({ id: z.number().int(), articles: z.number().int() });
export const categoryList = z.object({ items: z.array(categoryView) });

export const articleBody = z.strictObject({
  slug,
  categoryId: z.number().int().positive().nullable().default(null),
  status: z.enum(['draft', 'published']).default('draft'),
  visibility: z.enum(['public', 'internal']).default('public'),
  texts: z
    .strictObject({ 'zh-CN': articleText.optional(), en: articleText.optional() })
    .refine((t) => t['zh-CN'] || t.en, 'at least one language'),
});
export type ArticleBody = z.infer<typeof articleBody>;

export const articleView = z.object({
  id: z.number().int(),
  slug: z.string(),
  categoryId: z.number().int().nullable(),
  status: z.enum(['draft', 'published']),
  visibility: z.enum(['public', 'internal']),
  texts: z.object({
    'zh-CN': articleText.extend({ html: z.string() }).optional(),
    en: articleText.extend({ html: z.string() }).optional(),
  }),
  helpfulYes: z.number().int(),
  helpfulNo: z.number().int(),
  url: z.string().nullable().describe('Its help-centre page (public articles)'),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedAt: z.string().nullable(),
});
export type ArticleView = z.infer<typeof articleView>;

export const articleListQuery = z.strictObject({
  ...pageQuery,
  categoryId: z.coerce.number().int().positive().optional(),
  status: z.enum(['draft', 'published']).optional(),
  visibility: z.enum(['public', 'internal']).optional(),
});
export const articleListItem = z.object({
  id: z.number().int(),
  slug: z.string(),
  categoryId: z.number().int().nullable(),
  status: z.enum(['draft', 'published']),
  visibility: z.enum(['public', 'internal']),
  titles: z.object({ 'zh-CN': z.string().optional(), en: z.string().optional() }),
  helpfulYes: z.number().int(),
  helpfulNo: z.number().int(),
  updatedAt: z.string(),
});
export const articleList = pageOf(articleListItem);

export const searchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200),
  language: z.enum(KB_LANGUAGES).optional(),
  limit: z.coerce.number().int().min(1).max(20).default(5),
});
export const searchHit = z.object({
  id: z.number().int(),
  slug: z.string(),
  language: z.enum(KB_LANGUAGES),
  title: z.string(),
  snippet: z.string(),
  visibility: z.enum(['public', 'internal']),
  /** 0–1: how much of the question the article covers (its title counts double). */
  confidence: z.number(),
  url: z.string().nullable(),
});
export type SearchHit = z.infer<typeof searchHit>;
export const searchResult = z.object({ items: z.array(searchHit) });

/** What an agent sees beside a ticket: articles for its subject and last customer message. */
export const suggestQuery = z.strictObject({ ticketId: z.coerce.number().int().positive() });

export const botAskBody = z.strictObject({
  /** The visitor (the chat's anonymous id, a help-centre reader's id): one conversation each. */
  visitor: z
    .string()
    .min(8)
    .max(100)
    .regex(/^[\w.:-]+$/),
  text: z.string().trim().min(1).max(1000),
  language: z.enum(KB_LANGUAGES).default('zh-CN'),
});
export const botAnswer = z.object({
  kind: z.enum(['article', 'clarify', 'order_status', 'handoff', 'unanswered', 'greeting']),
  text: z.string(),
  articles: z.array(z.object({ id: z.number().int(), title: z.string(), url: z.string().nullable() })),
  confidence: z.number(),
  /** The conversation goes to an agent (the customer asked for a person, or no article answers it with confidence). */
  handoff: z.boolean(),
});
export type BotAnswer = z.infer<typeof botAnswer>;

export const knowledgeReportQuery = z.strictObject({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export const knowledgeReport = z.object({
  searches: z.number().int(),
  /** Help-centre and bot searches that found nothing, most asked first: the articles to write. */
  noResult: z.array(z.object({ query: z.string(), count: z.number().int(), last: z.string() })),
  /** Questions the bot could not answer or handed over (decrypted for readers of this report). */
  unanswered: z.array(z.object({ question: z.string(), kind: z.string(), at: z.string() })),
  bot: z.object({
    conversations: z.number().int(),
    handedOver: z.number().int(),
    /** Conversations the bot finished without an agent, over all. */
    deflectionRate: z.number().nullable(),
    answers: z.array(z.object({ kind: z.string(), count: z.number().int() })),
  }),
  articles: z.array(z.object({ id: z.number().int(), title: z.string(), helpfulYes: z.number().int(), helpfulNo: z.number().int() })),
});
