import type { CustomerData } from '../../platform/registry.ts';
import { consentsOf } from './privacy.service.ts';

/** The consent ledger (legal evidence, never rewritten) and the person's privacy requests stay through erasure. */
export const privacyData: readonly CustomerData[] = [
  {
    table: 'consents',
    export: { rows: async (db, { customerId }) => (await consentsOf(db, customerId)).ledger },
    erase: 'keep',
    changes: ['insert'],
  },
  { table: 'privacy_requests', merge: 'keep', export: false, erase: 'keep' },
];
