import type { Generated } from 'kysely';
import type { CreatedAt, Json, Timestamp } from '../../db/columns.ts';

/** The tables the messaging module owns (no other module's SQL names them; see the ownership test). */
export type MessageChannel = 'email' | 'sms';
export type MessagePurpose = 'transactional' | 'marketing';
export type MessageStatus = 'queued' | 'held' | 'sending' | 'sent' | 'delivered' | 'bounced' | 'failed' | 'unknown' | 'skipped';

export type MessageTemplateTable = {
  id: Generated<number>;
  key: string;
  name: string;
  channel: MessageChannel;
  purpose: MessagePurpose;
  subject: Json | null;
  preheader: Json | null;
  body: Json;
  provider_template: Json | null;
  quiet_hours: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
};

export type MessageTable = {
  id: Generated<number>;
  key: string;
  customer_id: number | null;
  channel: MessageChannel;
  purpose: MessagePurpose;
  template_key: string;
  variables: Json;
  language: string | null;
  status: Generated<MessageStatus>;
  skip_reason: string | null;
  not_before: Generated<Date>;
  rescheduled_from: Timestamp | null;
  attempts: Generated<number>;
  handed_at: Timestamp | null;
  provider: string | null;
  provider_message_id: string | null;
  error: string | null;
  rendered_enc: string | null;
  /** An SMS's parts as sent (its cost). */
  parts: number | null;
  source: string;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  updated_at: Generated<Date>;
};

export type SuppressionTable = {
  channel: MessageChannel;
  address_bidx: string;
  address_enc: string;
  reason: string;
  source: string;
  created_at: CreatedAt;
};

export type MessagingTables = {
  message_templates: MessageTemplateTable;
  messages: MessageTable;
  suppressions: SuppressionTable;
};
