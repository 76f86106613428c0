import { defineModule } from '../../module.ts';
import { adAudiencesJob } from './ad-audiences.ts';
import { attributeNew } from './attribution.ts';
import { campaignRoutes } from './campaigns.routes.ts';
import { campaignsData, campaignsPanel } from './customer-data.ts';
import { runCampaigns } from './launch.ts';

/**
 * Campaigns: sends to segments through the messaging outbox — an audience snapshot with a holdout and an A/B test
 * share, paced and scheduled (also in each recipient's zone), paused, resumed and cancelled without a message sent
 * twice — and what each earned: orders credited to the last touch within the store's windows, and the uplift over
 * the holdout.
 */
export const campaignsModule = defineModule({
  name: 'campaigns',
  routes: campaignRoutes,
  jobs: [adAudiencesJob],
  encryptedColumns: [{ table: 'ad_audiences', idColumn: 'id', columns: ['push_token_enc'] }],
  pollers: [
    { name: 'campaigns-run', run: runCampaigns },
    { name: 'campaigns-attribute', run: attributeNew },
  ],
  customerData: campaignsData,
  panels: [campaignsPanel],
  // The audience (segment members, live people, their addresses), what was sent and done with it, orders credited,
  // who agreed to sharing (ad audiences: privacy's consent condition).
  reads: ['segments', 'segment_members', 'customers', 'messages', 'events', 'orders'],
});
export { attributeOrders, attributeNew, journeyEarnings } from './attribution.ts';
export { runCampaigns } from './launch.ts';
export { campaignReport, reportCsv, sendCampaign } from './campaigns.service.ts';
export { attributionSettingsOf } from './campaigns.service.ts';
export { NET_PAID } from './report.ts';
