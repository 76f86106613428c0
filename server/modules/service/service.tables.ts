import type { Generated } from 'kysely';
import type { TicketChannel, TicketPriority, TicketStatus, TicketType } from '../../../contracts/service.ts';
import type { Json, Timestamp } from '../../db/columns.ts';

/** The tables the service module owns (no other module's SQL names them; see the ownership test). */
export type TicketTable = {
  id: Generated<number>;
  subject: string;
  type: TicketType;
  priority: TicketPriority;
  status: TicketStatus;
  channel: TicketChannel;
  customer_id: number | null;
  anonymous_id: string | null;
  queue: string | null;
  assignee_id: number | null;
  tags: Generated<string[]>;
  fields: Json;
  order_refs: Generated<string[]>;
  merged_into: number | null;
  sla_policy: string | null;
  csat_skip: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  first_replied_at: Timestamp | null;
  last_customer_at: Timestamp | null;
  last_agent_at: Timestamp | null;
  solved_at: Timestamp | null;
  closed_at: Timestamp | null;
};

export type TicketAuthor = 'customer' | 'agent' | 'note' | 'system' | 'bot';

export type TicketMessageTable = {
  id: Generated<number>;
  ticket_id: number;
  author: TicketAuthor;
  user_id: number | null;
  channel: string;
  body_enc: string;
  external_ref: string | null;
  outbox_id: number | null;
  mentions: Generated<number[]>;
  created_at: Timestamp;
};

export type TicketAttachmentTable = {
  id: Generated<number>;
  ticket_id: number;
  message_id: number;
  file_name: string;
  content_type: string;
  size: number;
  data: Buffer;
};

export type TicketEventTable = {
  id: Generated<number>;
  ticket_id: number;
  actor: string;
  action: string;
  detail: Json;
  at: Timestamp;
};

export type TicketViewerTable = { ticket_id: number; user_id: number; seen_at: Timestamp };

export type SlaMetric = 'first_reply' | 'next_reply' | 'resolution';

export type SlaClockTable = {
  ticket_id: number;
  metric: SlaMetric;
  policy: string;
  target_minutes: number;
  spent_minutes: Generated<number>;
  running_since: Timestamp | null;
  due_at: Timestamp | null;
  warn_at: Timestamp | null;
  warned_at: Timestamp | null;
  breached_at: Timestamp | null;
  met_at: Timestamp | null;
  started_at: Timestamp;
};

export type FeedbackRequestTable = {
  id: Generated<number>;
  kind: 'csat';
  subject_type: string;
  subject_id: number;
  customer_id: number | null;
  agent_id: number | null;
  queue: string | null;
  ticket_type: string | null;
  send_at: Timestamp;
  sent_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  rating: number | null;
  comment: string | null;
  answered_at: Timestamp | null;
};

export type ServiceLeaseTable = { name: string; until: Timestamp };

/** A complaint's particulars beside its ticket: how serious, what about, what was done and given. */
export type TicketComplaintTable = {
  ticket_id: number;
  severity: 'minor' | 'major' | 'critical';
  category: string;
  skus: Generated<string[]>;
  resolution: string | null;
  compensation_kind: 'none' | 'refund' | 'points' | 'coupon' | 'gift' | 'other' | null;
  compensation_amount: number | null;
  escalated_at: Timestamp | null;
};

export type ServiceTables = {
  ticket_complaints: TicketComplaintTable;
  service_leases: ServiceLeaseTable;
  tickets: TicketTable;
  ticket_messages: TicketMessageTable;
  ticket_attachments: TicketAttachmentTable;
  ticket_events: TicketEventTable;
  ticket_viewers: TicketViewerTable;
  sla_clocks: SlaClockTable;
  feedback_requests: FeedbackRequestTable;
};
