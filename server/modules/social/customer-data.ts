import { sql } from 'kysely';
import {
  type CustomerData,
  type CustomerPanel,
  type Labels,
  type SegmentField,
  isoTime,
  labels,
  panelRows,
} from '../../platform/registry.ts';

/**
 * A person's posts follow them through a merge and are exported; erasure unlinks them (what was said in public stays
 * the platform's, without a person here) and deletes their direct messages.
 */
export const socialData: readonly CustomerData[] = [
  {
    table: 'social_posts',
    export: { name: 'social_posts', file: 'social_posts.csv', orderBy: 'id' },
    erase: async (trx, e) => {
      await trx.deleteFrom('social_posts').where('customer_id', '=', e.customerId).where('kind', '=', 'dm').execute();
      const r = await trx
        .updateTable('social_posts')
        .set({ customer_id: null, author_name: null })
        .where('customer_id', '=', e.customerId)
        .executeTakeFirst();
      return { social_posts: Number(r.numUpdatedRows) };
    },
  },
];

const KINDS: Record<string, Labels> = {
  post: labels('帖子', 'Post'),
  comment: labels('评论', 'Comment'),
  mention: labels('提及', 'Mention'),
  review: labels('商品评价', 'Review'),
};
const SENTIMENT: Record<string, Labels> = {
  positive: labels('正面', 'Positive'),
  neutral: labels('中性', 'Neutral'),
  negative: labels('负面', 'Negative'),
};

type PostRow = {
  platform: string;
  kind: string;
  rating: number | null;
  product_sku: string | null;
  text: string | null;
  sentiment_label: string | null;
  posted_at: string;
};

/** The person's reviews and posts on the 360: where, what they said, its sentiment, the rating of a review. */
export const socialPanel: CustomerPanel = {
  key: 'social',
  title: labels('评价与社媒', 'Reviews and social'),
  columns: [
    { key: 'platform', label: labels('平台', 'Platform') },
    { key: 'kind', label: labels('类型', 'Kind'), values: KINDS },
    { key: 'rating', label: labels('评分', 'Rating') },
    { key: 'product', label: labels('商品', 'Product') },
    { key: 'text', label: labels('内容', 'Text') },
    { key: 'sentiment', label: labels('情感', 'Sentiment'), values: SENTIMENT },
    { key: 'at', label: labels('时间', 'When'), type: 'datetime' },
  ],
  select: () =>
    panelRows(
      sql`select id, platform, kind, rating, product_sku, left(text, 140) as text, sentiment_label, posted_at from social_posts
        where customer_id = c.id and kind <> 'dm' order by posted_at desc, id desc limit 20`,
      sql`r.posted_at desc, r.id desc`,
    ),
  present: (rows: PostRow[]) => ({
    rows: rows.map((r) => ({
      platform: r.platform,
      kind: r.kind,
      rating: r.rating,
      product: r.product_sku,
      text: r.text ?? '',
      sentiment: r.sentiment_label,
      at: isoTime(r.posted_at),
    })),
  }),
};

export const socialFields: readonly SegmentField[] = [
  {
    key: 'social.negative_posts_90d',
    type: 'number',
    label: labels('近 90 天负面社媒发言', 'Negative social posts, last 90 days'),
    expr: sql`(select count(*) from social_posts p where p.customer_id = c.id and p.sentiment_label = 'negative' and p.posted_at > now() - interval '90 days')`,
  },
  {
    key: 'social.average_review',
    type: 'number',
    label: labels('评价平均分', 'Average review rating'),
    expr: sql`(select avg(p.rating) from social_posts p where p.customer_id = c.id and p.kind = 'review')`,
  },
];
