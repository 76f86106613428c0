import type { Generated } from 'kysely';
import type { CreatedAt, Json, Timestamp } from '../../db/columns.ts';

/** The tables the campaigns module owns (no other module's SQL names them; see the ownership test). */
export type CampaignStatus = 'draft' | 'scheduled' | 'sending' | 'testing' | 'paused' | 'done' | 'cancelled' | 'failed';

export type CampaignTable = {
  id: Generated<number>;
  name: string;
  status: Generated<CampaignStatus>;
  definition: Json;
  send_at: Timestamp | null;
  started_at: Timestamp | null;
  test_ends_at: Timestamp | null;
  winner: string | null;
  winner_reason: Json | null;
  paused_from: CampaignStatus | null;
  finished_at: Timestamp | null;
  error: string | null;
  created_by: string;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
};

export type CampaignRecipientTable = {
  campaign_id: number;
  customer_id: number;
  arm: 'control' | 'test' | 'rest';
  variant: string | null;
  channel: 'email' | 'sms';
  coupon_code: string | null;
};

export type CampaignCouponCodeTable = { campaign_id: number; code: string; customer_id: number | null };

/** An order credited to the last marketing touch: a campaign's message or a journey's (exactly one is set). */
export type CampaignAttributionTable = {
  order_id: number;
  customer_id: number;
  campaign_id: number | null;
  journey_id: number | null;
  message_id: number;
  touch: 'click' | 'open' | 'delivered';
  touched_at: Date;
  placed_at: Date;
};

export type CampaignCursorTable = { name: string; position: number };

export type AdAudienceTable = {
  id: Generated<number>;
  segment_id: number;
  platform: 'ocean_engine' | 'tencent_ads' | 'meta' | 'google';
  refresh_hours: Generated<number>;
  push_url: string | null;
  push_token_enc: string | null;
  file: string | null;
  people: number | null;
  identifiers: number | null;
  refreshed_at: Timestamp | null;
  next_at: Generated<Date>;
  error: string | null;
  created_by: string;
  created_at: CreatedAt;
};

export type CampaignsTables = {
  campaigns: CampaignTable;
  campaign_recipients: CampaignRecipientTable;
  campaign_coupon_codes: CampaignCouponCodeTable;
  campaign_attributions: CampaignAttributionTable;
  campaign_cursors: CampaignCursorTable;
  ad_audiences: AdAudienceTable;
};
