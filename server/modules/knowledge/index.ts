import { defineModule } from '../../module.ts';
import { knowledgeData } from './customer-data.ts';
import { registerHelpCentre } from './help.http.ts';
import { knowledgeRoutes } from './knowledge.routes.ts';

/**
 * The knowledge base and self-service: articles in zh-CN and en (Markdown, sanitised), public or for agents; a search
 * that works in Chinese without a native dependency (Intl.Segmenter into a full-text index, trigrams for typos); the
 * public help centre; the FAQ bot the chat widget and the help centre ask first; suggestions beside a ticket; reports.
 */
export const knowledgeModule = defineModule({
  name: 'knowledge',
  routes: knowledgeRoutes,
  plugins: [registerHelpCentre],
  encryptedColumns: [{ table: 'bot_turns', idColumn: 'id', columns: ['question_enc'] }],
  customerData: knowledgeData,
  // "Where is my parcel" is answered from the person's own orders and parcels; suggestions read a ticket's question.
  reads: ['orders', 'shipments', 'tickets', 'ticket_messages'],
});
export { askBot, handedOver, transcriptOf } from './bot.ts';
export { suggestForTicket } from './suggest.ts';
export { saveArticle, saveCategory } from './articles.ts';
export { topicWords } from './words.ts';
export { type Theme, themesOf } from './themes.ts';
