import { idParams, okBody } from '../../../contracts/common.ts';
import {
  articleBody,
  articleList,
  articleListQuery,
  articleView,
  botAnswer,
  botAskBody,
  categoryBody,
  categoryList,
  knowledgeReport,
  knowledgeReportQuery,
  searchQuery,
  searchResult,
  suggestQuery,
} from '../../../contracts/knowledge.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { storeClockOf } from '../system/index.ts';
import { articleOf, deleteArticle, listArticles, listCategories, saveArticle, saveCategory } from './articles.ts';
import { askBot } from './bot.ts';
import { knowledgeReportOf } from './report.ts';
import { searchArticles } from './search.ts';
import { suggestForTicket } from './suggest.ts';

export const knowledgeRoutes = [
  defineRoute({
    method: 'GET',
    url: '/knowledge/categories',
    access: 'service.read',
    tag: 'knowledge',
    summary: 'Help-centre categories in their order, with how many published public articles each holds',
    response: categoryList,
    handler: ({ ctx }) => listCategories(ctx.db),
  }),
  defineRoute({
    method: 'POST',
    url: '/knowledge/categories',
    access: 'service.write',
    tag: 'knowledge',
    summary: 'Add a category (its address and names in both languages)',
    body: categoryBody,
    response: categoryList,
    status: 201,
    handler: async ({ ctx, body }) => {
      await saveCategory(ctx.db, null, body);
      return listCategories(ctx.db);
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/knowledge/categories/:id',
    access: 'service.write',
    tag: 'knowledge',
    summary: 'Rename or reorder a category',
    params: idParams,
    body: categoryBody,
    response: categoryList,
    handler: async ({ ctx, params, body }) => {
      await saveCategory(ctx.db, params.id, body);
      return listCategories(ctx.db);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/knowledge/articles',
    access: 'service.read',
    tag: 'knowledge',
    summary: 'Articles, most recently changed first: drafts and published, public and internal',
    query: articleListQuery,
    response: articleList,
    handler: ({ ctx, query }) => listArticles(ctx.db, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/knowledge/articles',
    access: 'service.write',
    tag: 'knowledge',
    summary: 'Write an article (Markdown in zh-CN and/or en); published ones are searchable at once; audited',
    body: articleBody,
    response: articleView,
    status: 201,
    handler: async ({ ctx, body, principal, ip }) => {
      const id = await saveArticle(ctx.db, null, body, actorOf(principal, ip), ctx.clock.now());
      return articleOf(ctx.db, ctx.config.publicUrl, { id });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/knowledge/articles/:id',
    access: 'service.read',
    tag: 'knowledge',
    summary: 'An article with both languages rendered',
    params: idParams,
    response: articleView,
    handler: ({ ctx, params }) => articleOf(ctx.db, ctx.config.publicUrl, { id: params.id }),
  }),
  defineRoute({
    method: 'PUT',
    url: '/knowledge/articles/:id',
    access: 'service.write',
    tag: 'knowledge',
    summary: 'Replace an article (texts, status, visibility, category); audited',
    params: idParams,
    body: articleBody,
    response: articleView,
    handler: async ({ ctx, params, body, principal, ip }) => {
      await saveArticle(ctx.db, params.id, body, actorOf(principal, ip), ctx.clock.now());
      return articleOf(ctx.db, ctx.config.publicUrl, { id: params.id });
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/knowledge/articles/:id',
    access: 'service.write',
    tag: 'knowledge',
    summary: 'Delete an article; audited',
    params: idParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await deleteArticle(ctx.db, params.id, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/knowledge/search',
    access: 'service.read',
    tag: 'knowledge',
    summary: 'Search published articles, internal ones included (Chinese segmented, typos forgiven), with a confidence each',
    query: searchQuery,
    response: searchResult,
    handler: async ({ ctx, query }) => ({
      items: await searchArticles(ctx.db, ctx.config.publicUrl, { ...query, internal: true, source: 'agent', now: ctx.clock.now() }),
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/knowledge/suggest',
    access: 'service.read',
    tag: 'knowledge',
    summary: "Articles for a ticket: its subject and the customer's latest message, internal ones included",
    query: suggestQuery,
    response: searchResult,
    handler: async ({ ctx, query }) => ({ items: await suggestForTicket(ctx, query.ticketId) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/knowledge/bot',
    access: 'service.read',
    tag: 'knowledge',
    summary: 'Ask the FAQ bot as a visitor would (what the chat widget and help centre do), e.g. to try it from the admin',
    body: botAskBody,
    response: botAnswer,
    handler: async ({ ctx, body }) => {
      const { conversationId: _id, ...answer } = await askBot(ctx, { ...body, channel: 'help', customerId: null });
      return answer;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/knowledge/report',
    access: 'analytics.read',
    tag: 'knowledge',
    summary: 'Searches with no result, questions the bot could not answer (reading them is audited), its deflection rate, helpful votes',
    query: knowledgeReportQuery,
    response: knowledgeReport,
    handler: async ({ ctx, query, principal, ip }) =>
      knowledgeReportOf(ctx.db, ctx.keyring, { ...query, timeZone: (await storeClockOf(ctx)).timeZone }, actorOf(principal, ip)),
  }),
];
