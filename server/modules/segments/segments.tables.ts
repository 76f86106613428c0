import type { Generated } from 'kysely';
import type { Timestamp, CreatedAt, Json } from '../../db/columns.ts';

/** The tables the segments module owns (no other module's SQL names them; see the ownership test). */
export type SegmentTable = {
  id: Generated<number>;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  rules: Json | null;
  status: Generated<'pending' | 'computing' | 'ready' | 'failed'>;
  error: string | null;
  size: Generated<number>;
  computed_at: Timestamp | null;
  created_by: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
};

export type SegmentMemberTable = { segment_id: number; customer_id: number; entered_at: Timestamp };

export type SegmentHistoryTable = {
  id: Generated<number>;
  segment_id: number;
  customer_id: number;
  entered_at: Timestamp;
  exited_at: Timestamp | null;
};

export type SegmentSizeTable = { segment_id: number; measured_at: Timestamp; size: number };

/** Each customer's newest order, category and event times (the compiler's fast path for counts in a window). */
export type CustomerActivityTable = {
  kind: 'order' | 'category' | 'event';
  key: string;
  customer_id: number;
  total: number;
  latest: Date[];
};

export type SegmentsTables = {
  customer_activity: CustomerActivityTable;
  segments: SegmentTable;
  segment_members: SegmentMemberTable;
  segment_membership_history: SegmentHistoryTable;
  segment_sizes: SegmentSizeTable;
};
