import { sql } from 'kysely';
import { type CustomerData, type SegmentField, labels } from '../../platform/registry.ts';

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

export const socialFields: readonly SegmentField[] = [
  {
    key: 'social.negative_posts_90d',
    type: 'number',
    label: labels('近 90 天负面社媒发言', 'Negative social posts, last 90 days'),
    expr: sql`(select count(*) from social_posts p where p.customer_id = c.id and p.sentiment_label = 'negative' and p.posted_at > now() - interval '90 days')`,
  },
];
