import type { Generated } from 'kysely';
import type { Json, Timestamp } from '../../db/columns.ts';

/** The tables the knowledge module owns (no other module's SQL names them; see the ownership test). */
export type KbCategoryTable = {
  id: Generated<number>;
  slug: string;
  names: Json;
  position: Generated<number>;
};

export type KbArticleTable = {
  id: Generated<number>;
  slug: string;
  category_id: number | null;
  status: 'draft' | 'published';
  visibility: 'public' | 'internal';
  helpful_yes: Generated<number>;
  helpful_no: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  published_at: Timestamp | null;
};

export type KbArticleTextTable = {
  article_id: number;
  language: 'zh-CN' | 'en';
  title: string;
  body: string;
  /** The body and title cut into words (Intl.Segmenter), which the generated `search` column indexes. */
  words: string;
  title_words: string;
};

export type KbSearchTable = {
  id: Generated<number>;
  source: 'help' | 'bot' | 'agent';
  query: string;
  language: string;
  results: number;
  at: Timestamp;
};

export type BotConversationTable = {
  id: Generated<number>;
  visitor: string;
  channel: 'chat' | 'help';
  customer_id: number | null;
  language: string;
  ticket_id: number | null;
  started_at: Timestamp;
  last_at: Timestamp;
};

export type BotTurnKind = 'article' | 'clarify' | 'order_status' | 'handoff' | 'unanswered' | 'greeting';

export type BotTurnTable = {
  id: Generated<number>;
  conversation_id: number;
  question_enc: string;
  kind: BotTurnKind;
  answer: string;
  article_ids: Generated<number[]>;
  confidence: number;
  at: Timestamp;
};

export type KnowledgeTables = {
  kb_categories: KbCategoryTable;
  kb_articles: KbArticleTable;
  kb_article_texts: KbArticleTextTable;
  kb_searches: KbSearchTable;
  bot_conversations: BotConversationTable;
  bot_turns: BotTurnTable;
};
