import { defineModule } from '../../module.ts';
import { socialData, socialFields, socialPanel } from './customer-data.ts';
import { socialRoutes } from './social.routes.ts';

/**
 * Social listening: posts, comments, mentions and direct messages from any platform's bridge or export, authors linked
 * to customers by platform id, sentiment in Chinese and English with the words that decided it, negative posts by known
 * customers opening complaint tickets, replies recorded for the bridge, product reviews with their ratings (on the 360
 * page, per product in the report, as segment fields), a report.
 */
export const socialModule = defineModule({
  name: 'social',
  routes: socialRoutes,
  encryptedColumns: [{ table: 'social_posts', idColumn: 'id', columns: ['text_enc'] }],
  customerData: socialData,
  segmentFields: socialFields,
  panels: [socialPanel],
  reads: ['customers'],
});
