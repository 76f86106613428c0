import { defineModule } from '../../module.ts';
import { identityData } from './customer-data.ts';
import { duplicateRoutes } from './duplicates.routes.ts';
import { duplicatesScanJob } from './duplicates.service.ts';
import { identityRulesRoutes } from './identity-rules.routes.ts';
import { identityRoutes } from './identity.routes.ts';
import { identityEncryptedColumns } from './people.bulk.ts';
import { phoneTailsJob } from './phone-tails.ts';

/**
 * Who is who: identifiers resolved to people (and tombstoned on erasure), merges and their undo, duplicate
 * suggestions, values quarantined by cleansing. Profiles themselves belong to the customers module.
 */
export const identityModule = defineModule({
  name: 'identity',
  routes: [...identityRoutes, ...duplicateRoutes, ...identityRulesRoutes],
  jobs: [duplicatesScanJob, phoneTailsJob],
  encryptedColumns: identityEncryptedColumns,
  // Duplicate scoring and merge read the profiles (and addresses) they compare and move.
  reads: ['customer_addresses', 'customers'],
  customerData: identityData,
});
export { findKnownCustomers, resolveCustomers } from './identity.bulk.ts';
export type { ResolveRequest } from './identity.bulk.ts';
export { resolveCustomer, tombstoneIdentities, unusableIdentifiers } from './identity.service.ts';
export type { Identifier, ProfilePatch, ResolveResult } from './identity.service.ts';
export { identifiersOf, profileOf } from './upsert.service.ts';
export { insertCustomers } from './people.bulk.ts';
export { forgetIdentitiesFrom } from './removal.ts';
export { scanDuplicates } from './duplicates.service.ts';
export { backfillPhoneTails } from './phone-tails.ts';
