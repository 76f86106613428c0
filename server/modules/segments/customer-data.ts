import { sql } from 'kysely';
import type { CustomerData } from '../../platform/registry.ts';
import { forgetDeletedMembers } from './membership.service.ts';

/**
 * Membership is recomputed after a merge or an erasure. A person on a static list was put there by someone, which
 * keeps them when an import that created them is undone; dynamic membership goes with them, its history closed.
 */
export const segmentsData: readonly CustomerData[] = [
  {
    table: 'segment_members',
    key: 'segment_id',
    merge: 'keep',
    export: false,
    erase: 'keep',
    undo: {
      attachesWhen: sql`t.segment_id in (select id from segments where kind = 'static')`,
      remove: (trx, { undone, now }) => forgetDeletedMembers(trx, undone, now),
    },
  },
  { table: 'segment_membership_history', merge: 'keep', export: false, erase: 'keep', undo: 'ignore' },
  // Rebuilt by the change drain from orders and events.
  { table: 'customer_activity', key: 'customer_id', merge: 'keep', export: false, erase: 'keep', undo: 'follows' },
];
