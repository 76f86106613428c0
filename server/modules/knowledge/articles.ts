import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { z } from 'zod';
import {
  type ArticleBody,
  type ArticleView,
  KB_LANGUAGES,
  type KbLanguage,
  type articleList,
  type articleListQuery,
  type categoryBody,
  type categoryList,
} from '../../../contracts/knowledge.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { indexText } from './words.ts';

export const knowledgeErrors = {
  notFound: (id: number | string) => new AppError('ARTICLE_NOT_FOUND', 'not_found', `Article ${id} does not exist.`),
  slugTaken: (slug: string) => new AppError('ARTICLE_SLUG_TAKEN', 'conflict', `Another article already has the address "${slug}".`),
  categoryNotFound: (id: number) => new AppError('KB_CATEGORY_NOT_FOUND', 'invalid', `Category ${id} does not exist.`),
  ticketNotFound: (id: number) => new AppError('TICKET_NOT_FOUND', 'not_found', `Ticket ${id} does not exist.`),
  categorySlugTaken: (slug: string) =>
    new AppError('KB_CATEGORY_SLUG_TAKEN', 'conflict', `Another category already has the address "${slug}".`),
};

/** Markdown without raw HTML; links open in a new tab; what comes out is sanitised again (images and tables kept). */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
export const renderArticle = (markdown: string) =>
  sanitizeHtml(md.render(markdown), {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img'],
    allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'title'] },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    transformTags: { a: sanitizeHtml.simpleTransform('a', { target: '_blank', rel: 'noopener' }) },
  });

/** The article's text without Markdown (an answer's summary, a search snippet). */
export const plainText = (markdown: string) =>
  sanitizeHtml(md.render(markdown), { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();

export const articleUrl = (publicUrl: string, slug: string, language: KbLanguage) => `${publicUrl}/help/a/${slug}?lang=${language}`;

const isUnique = (err: unknown, constraint: string) =>
  typeof err === 'object' &&
  err !== null &&
  (err as { code?: string }).code === '23505' &&
  String((err as { constraint?: string }).constraint ?? '').includes(constraint);

async function checkCategory(db: Db, id: number | null) {
  if (id === null) return;
  const c = await db.selectFrom('kb_categories').select('id').where('id', '=', id).executeTakeFirst();
  if (!c) throw knowledgeErrors.categoryNotFound(id);
}

async function writeTexts(trx: Db, articleId: number, texts: ArticleBody['texts']) {
  await trx.deleteFrom('kb_article_texts').where('article_id', '=', articleId).execute();
  const rows = KB_LANGUAGES.flatMap((language) => {
    const t = texts[language];
    return t
      ? [
          {
            article_id: articleId,
            language,
            title: t.title,
            body: t.body,
            title_words: indexText(t.title),
            words: indexText(plainText(t.body)),
          },
        ]
      : [];
  });
  await trx.insertInto('kb_article_texts').values(rows).execute();
}

/** Creates or replaces an article (both languages' texts at once); published articles are searchable at once. Audited. */
export async function saveArticle(db: Db, id: number | null, body: ArticleBody, actor: Actor, now: Date): Promise<number> {
  await checkCategory(db, body.categoryId);
  try {
    return await db.transaction().execute(async (trx) => {
      const values = { slug: body.slug, category_id: body.categoryId, status: body.status, visibility: body.visibility, updated_at: now };
      let articleId = id;
      if (articleId === null) {
        const row = await trx
          .insertInto('kb_articles')
          .values({ ...values, created_at: now, published_at: body.status === 'published' ? now : null })
          .returning('id')
          .executeTakeFirstOrThrow();
        articleId = Number(row.id);
      } else {
        const before = await trx
          .selectFrom('kb_articles')
          .select(['status', 'published_at'])
          .where('id', '=', articleId)
          .forUpdate()
          .executeTakeFirst();
        if (!before) throw knowledgeErrors.notFound(articleId);
        const publishedAt = body.status === 'published' ? (before.published_at ?? now) : null;
        await trx
          .updateTable('kb_articles')
          .set({ ...values, published_at: publishedAt })
          .where('id', '=', articleId)
          .execute();
      }
      await writeTexts(trx, articleId, body.texts);
      await recordAudit(trx, {
        actor,
        action: id === null ? 'article.create' : 'article.update',
        target: { type: 'article', id: articleId },
      });
      return articleId;
    });
  } catch (err) {
    if (isUnique(err, 'kb_articles_slug')) throw knowledgeErrors.slugTaken(body.slug);
    throw err;
  }
}

export async function deleteArticle(db: Db, id: number, actor: Actor): Promise<void> {
  const r = await db.deleteFrom('kb_articles').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw knowledgeErrors.notFound(id);
  await recordAudit(db, { actor, action: 'article.delete', target: { type: 'article', id } });
}

/** One article with both languages rendered; by id, or by its address (the help centre's public ones only). */
export async function articleOf(db: Db, publicUrl: string, key: { id: number } | { slug: string; publicOnly: true }): Promise<ArticleView> {
  let q = db.selectFrom('kb_articles').selectAll();
  q =
    'id' in key
      ? q.where('id', '=', key.id)
      : q.where('slug', '=', key.slug).where('status', '=', 'published').where('visibility', '=', 'public');
  const a = await q.executeTakeFirst();
  if (!a) throw knowledgeErrors.notFound('id' in key ? key.id : key.slug);
  const texts = await db.selectFrom('kb_article_texts').select(['language', 'title', 'body']).where('article_id', '=', a.id).execute();
  const first = texts[0]?.language ?? 'zh-CN';
  return {
    id: Number(a.id),
    slug: a.slug,
    categoryId: a.category_id === null ? null : Number(a.category_id),
    status: a.status,
    visibility: a.visibility,
    texts: Object.fromEntries(texts.map((t) => [t.language, { title: t.title, body: t.body, html: renderArticle(t.body) }])),
    helpfulYes: a.helpful_yes,
    helpfulNo: a.helpful_no,
    url: a.visibility === 'public' && a.status === 'published' ? articleUrl(publicUrl, a.slug, first) : null,
    createdAt: a.created_at.toISOString(),
    updatedAt: a.updated_at.toISOString(),
    publishedAt: a.published_at?.toISOString() ?? null,
  };
}

export async function listArticles(db: Db, q: z.infer<typeof articleListQuery>): Promise<z.infer<typeof articleList>> {
  let base = db.selectFrom('kb_articles as a');
  if (q.categoryId) base = base.where('a.category_id', '=', q.categoryId);
  if (q.status) base = base.where('a.status', '=', q.status);
  if (q.visibility) base = base.where('a.visibility', '=', q.visibility);
  const [rows, total] = await Promise.all([
    base.selectAll('a').orderBy('a.updated_at', 'desc').orderBy('a.id', 'desc').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => Number(r.id));
  const titles = ids.length
    ? await db.selectFrom('kb_article_texts').select(['article_id', 'language', 'title']).where('article_id', 'in', ids).execute()
    : [];
  return {
    total: Number(total.n),
    items: rows.map((a) => ({
      id: Number(a.id),
      slug: a.slug,
      categoryId: a.category_id === null ? null : Number(a.category_id),
      status: a.status,
      visibility: a.visibility,
      titles: Object.fromEntries(titles.filter((t) => Number(t.article_id) === Number(a.id)).map((t) => [t.language, t.title])),
      helpfulYes: a.helpful_yes,
      helpfulNo: a.helpful_no,
      updatedAt: a.updated_at.toISOString(),
    })),
  };
}

/** "Was this helpful?" on the help centre: one more yes or no. */
export async function rateArticle(db: Db, slug: string, helpful: boolean): Promise<void> {
  const r = await db
    .updateTable('kb_articles')
    .set((eb) => (helpful ? { helpful_yes: eb('helpful_yes', '+', 1) } : { helpful_no: eb('helpful_no', '+', 1) }))
    .where('slug', '=', slug)
    .where('status', '=', 'published')
    .where('visibility', '=', 'public')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw knowledgeErrors.notFound(slug);
}

export async function saveCategory(db: Db, id: number | null, body: z.infer<typeof categoryBody>): Promise<number> {
  const values = { slug: body.slug, names: JSON.stringify(body.names), position: body.position };
  try {
    if (id === null) return Number((await db.insertInto('kb_categories').values(values).returning('id').executeTakeFirstOrThrow()).id);
    const r = await db.updateTable('kb_categories').set(values).where('id', '=', id).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw knowledgeErrors.categoryNotFound(id);
    return id;
  } catch (err) {
    if (isUnique(err, 'kb_categories_slug')) throw knowledgeErrors.categorySlugTaken(body.slug);
    throw err;
  }
}

/** Categories in their order, with how many published public articles each holds. */
export async function listCategories(db: Db): Promise<z.infer<typeof categoryList>> {
  const rows = await db
    .selectFrom('kb_categories as c')
    .leftJoin('kb_articles as a', (j) =>
      j.onRef('a.category_id', '=', 'c.id').on('a.status', '=', 'published').on('a.visibility', '=', 'public'),
    )
    .select(['c.id', 'c.slug', 'c.names', 'c.position'])
    .select((eb) => eb.fn.count<number>('a.id').as('articles'))
    .groupBy('c.id')
    .orderBy('c.position')
    .orderBy('c.id')
    .execute();
  return {
    items: rows.map((c) => ({
      id: Number(c.id),
      slug: c.slug,
      names: c.names as { 'zh-CN': string; en: string },
      position: c.position,
      articles: Number(c.articles),
    })),
  };
}
