import { sql } from 'kysely';
import type { CustomerData } from '../../platform/registry.ts';

/** Tracked events follow a person; erasure empties what identified them (traits, anonymous ids) and keeps the rest. */
export const eventsData: readonly CustomerData[] = [
  {
    table: 'events',
    export: {
      rows: (db, { customerId }) =>
        db
          .selectFrom('events')
          .select(['id', 'type', 'name', 'properties', 'occurred_at'])
          .where('customer_id', '=', customerId)
          .orderBy('occurred_at')
          .execute(),
    },
    erase: async (trx, { customerId }) => {
      const r = await sql`update events set properties = '{}'::jsonb, anonymous_id = null
        where customer_id = ${customerId} and (type in ('identify', 'group', 'alias') or anonymous_id is not null)`.execute(trx);
      return { eventsScrubbed: Number(r.numAffectedRows ?? 0) };
    },
    changes: ['insert', 'update', 'delete'],
  },
];
