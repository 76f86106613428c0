import type { Generated } from 'kysely';
import type { ReturnResolution, ReturnState } from '../../../contracts/returns.ts';
import type { Timestamp } from '../../db/columns.ts';

/** The tables the returns module owns (no other module's SQL names them; see the ownership test). */
export type ReturnRequestTable = {
  id: Generated<number>;
  customer_id: number;
  order_id: number;
  origin: string;
  external_ref: string | null;
  state: ReturnState;
  reason: string;
  note_enc: string | null;
  auto_approved: Generated<boolean>;
  refund_only: Generated<boolean>;
  rejected_reason: string | null;
  carrier: string | null;
  tracking_number: string | null;
  resolution: ReturnResolution | null;
  refund_amount: number | null;
  refund_ref: string | null;
  exchange_order_id: number | null;
  credit_points: number | null;
  credit_coupon: string | null;
  ticket_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  state_at: Timestamp;
};

export type ReturnLineTable = {
  id: Generated<number>;
  return_id: number;
  order_item_id: number;
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
  outcome: 'accepted' | 'partly' | 'refused' | null;
  accepted_quantity: number | null;
  refusal_reason: string | null;
};

export type ReturnPhotoTable = {
  id: Generated<number>;
  return_id: number;
  file_name: string;
  content_type: string;
  size: number;
  data: Buffer;
};

export type ReturnEventTable = {
  id: Generated<number>;
  return_id: number;
  from_state: string | null;
  to_state: string;
  actor: string;
  note: string | null;
  at: Timestamp;
};

export type ReturnsTables = {
  return_requests: ReturnRequestTable;
  return_lines: ReturnLineTable;
  return_photos: ReturnPhotoTable;
  return_events: ReturnEventTable;
};
