import { defineModule } from '../../module.ts';
import { customerEncryptedColumns } from './customers.bulk.ts';
import { customersData } from './customer-data.ts';
import { attributeRoutes } from './attributes.routes.ts';
import { customerRoutes } from './customers.routes.ts';
import { duplicateRoutes } from './duplicates.routes.ts';
import { duplicatesScanJob } from './duplicates.service.ts';
import { customerOperationJob } from './operations.ts';
import { phoneTailsJob } from './phone-tails.ts';
import { customerSettingsRoutes } from './settings.routes.ts';
import { viewRoutes } from './views.routes.ts';

export const customersModule = defineModule({
  name: 'customers',
  routes: [...customerRoutes, ...attributeRoutes, ...viewRoutes, ...customerSettingsRoutes, ...duplicateRoutes],
  jobs: [customerOperationJob, duplicatesScanJob, phoneTailsJob],
  encryptedColumns: customerEncryptedColumns,
  // The customer 360 and list: a person's orders, events, metrics and memberships beside the profile; view owners.
  reads: ['channels', 'customer_metrics', 'events', 'order_items', 'orders', 'refunds', 'segment_members', 'shipments', 'users'],
  customerData: customersData,
});
export { countCustomers, customerEncryptedColumns, emailIndex, insertCustomers, phoneIndex, reserveIds } from './customers.bulk.ts';
export type { NewCustomer } from './customers.bulk.ts';
export { findKnownCustomers, resolveCustomers } from './identity.bulk.ts';
export type { ResolveRequest } from './identity.bulk.ts';
export { resolveCustomer, tombstoneIdentities, unusableIdentifiers } from './identity.service.ts';
export { presentPii } from './present.ts';
export type { Identifier, ProfilePatch, ResolveResult } from './identity.service.ts';
export { normalizeEmail, normalizeExternalId, normalizePhone } from './normalize.ts';
export { maskPersonalCells, scrubPersonal } from './scrub.ts';
export { canonicalCity, canonicalProvince } from './regions.ts';
export { rememberAddresses, sightingOf } from './addresses.ts';
export { currentCustomerId, customerNames } from './customers.service.ts';
export { identifiersOf, profileOf } from './upsert.service.ts';
export { customerErrors } from './customers.errors.ts';
export { deleteCustomers, eraseProfile, forgetIdentitiesFrom } from './removal.ts';
export { scanDuplicates } from './duplicates.service.ts';
export { ensureAttributes, mergeAttributes, restoreBeforeImages } from './profile-changes.ts';
export type { BeforeImage, FillMode } from './profile-changes.ts';
