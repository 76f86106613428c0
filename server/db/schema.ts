import type { DomainEventTables } from '../events/events.tables.ts';
import type { AnalyticsTables } from '../modules/analytics/analytics.tables.ts';
import type { AuditTables } from '../modules/audit/audit.tables.ts';
import type { AuthTables } from '../modules/auth/auth.tables.ts';
import type { CampaignsTables } from '../modules/campaigns/campaigns.tables.ts';
import type { LoyaltyTables } from '../modules/loyalty/loyalty.tables.ts';
import type { CommerceTables } from '../modules/commerce/commerce.tables.ts';
import type { CustomersTables } from '../modules/customers/customers.tables.ts';
import type { EventsTables } from '../modules/events/events.tables.ts';
import type { IdentityTables } from '../modules/identity/identity.tables.ts';
import type { IngestTables } from '../modules/ingest/ingest.tables.ts';
import type { KnowledgeTables } from '../modules/knowledge/knowledge.tables.ts';
import type { JourneysTables } from '../modules/journeys/journeys.tables.ts';
import type { MessagingTables } from '../modules/messaging/messaging.tables.ts';
import type { PrivacyTables } from '../modules/privacy/privacy.tables.ts';
import type { ReturnsTables } from '../modules/returns/returns.tables.ts';
import type { SurveysTables } from '../modules/surveys/surveys.tables.ts';
import type { SocialTables } from '../modules/social/social.tables.ts';
import type { WebhooksTables } from '../modules/webhooks/webhooks.tables.ts';
import type { ServiceTables } from '../modules/service/service.tables.ts';
import type { SegmentsTables } from '../modules/segments/segments.tables.ts';
import type { TrackingTables } from '../modules/tracking/tracking.tables.ts';
import type { PlatformTables } from './platform.tables.ts';

/**
 * Kysely's view of the database, assembled from the table files beside each owner (`<module>.tables.ts`). A table
 * belongs to exactly one of them; `server/ownership.test.ts` holds every module's SQL to its own tables and the
 * read sides it declares.
 */
export type Database = PlatformTables &
  DomainEventTables &
  AuthTables &
  AuditTables &
  CommerceTables &
  CustomersTables &
  IdentityTables &
  EventsTables &
  TrackingTables &
  IngestTables &
  PrivacyTables &
  AnalyticsTables &
  SegmentsTables &
  MessagingTables &
  JourneysTables &
  CampaignsTables &
  LoyaltyTables &
  ServiceTables &
  ReturnsTables &
  KnowledgeTables &
  SurveysTables &
  SocialTables &
  WebhooksTables;

export type * from '../events/events.tables.ts';
export type * from '../modules/analytics/analytics.tables.ts';
export type * from '../modules/audit/audit.tables.ts';
export type * from '../modules/campaigns/campaigns.tables.ts';
export type * from '../modules/auth/auth.tables.ts';
export type * from '../modules/commerce/commerce.tables.ts';
export type * from '../modules/customers/customers.tables.ts';
export type * from '../modules/events/events.tables.ts';
export type * from '../modules/identity/identity.tables.ts';
export type * from '../modules/ingest/ingest.tables.ts';
export type * from '../modules/journeys/journeys.tables.ts';
export type * from '../modules/knowledge/knowledge.tables.ts';
export type * from '../modules/messaging/messaging.tables.ts';
export type * from '../modules/privacy/privacy.tables.ts';
export type * from '../modules/returns/returns.tables.ts';
export type * from '../modules/segments/segments.tables.ts';
export type * from '../modules/service/service.tables.ts';
export type * from '../modules/social/social.tables.ts';
export type * from '../modules/surveys/surveys.tables.ts';
export type * from '../modules/tracking/tracking.tables.ts';
export type * from '../modules/webhooks/webhooks.tables.ts';
export type * from './platform.tables.ts';
