import type { Generated } from 'kysely';
import type { Json, Timestamp } from '../../db/columns.ts';

export type SocialPostKind = 'post' | 'comment' | 'mention' | 'dm' | 'review';
export type SentimentLabel = 'positive' | 'neutral' | 'negative';

/** The tables the social module owns (no other module's SQL names them; see the ownership test). */
export type SocialPostTable = {
  id: Generated<number>;
  platform: string;
  external_id: string;
  kind: SocialPostKind;
  parent_external_id: string | null;
  author_id: string;
  author_name: string | null;
  customer_id: number | null;
  text: string | null;
  text_enc: string | null;
  media: Generated<string[]>;
  url: string | null;
  likes: Generated<number>;
  replies: Generated<number>;
  rating: number | null;
  product_sku: string | null;
  order_ref: string | null;
  sentiment: number;
  sentiment_label: SentimentLabel;
  sentiment_words: Json;
  needs_answer: Generated<boolean>;
  ticket_id: number | null;
  answered_at: Timestamp | null;
  posted_at: Timestamp;
  created_at: Timestamp;
};

export type SocialReplyTable = {
  id: Generated<number>;
  post_id: number;
  user_id: number | null;
  text: string;
  created_at: Timestamp;
};

export type SocialTables = { social_posts: SocialPostTable; social_replies: SocialReplyTable };
