import { defineModule } from '../../module.ts';
import { customerEncryptedColumns } from './customers.bulk.ts';
import { customersData } from './customer-data.ts';
import { attributeRoutes } from './attributes.routes.ts';
import { customerRoutes } from './customers.routes.ts';
import { customerOperationJob } from './operations.ts';
import { viewRoutes } from './views.routes.ts';

export const customersModule = defineModule({
  name: 'customers',
  routes: [...customerRoutes, ...attributeRoutes, ...viewRoutes],
  jobs: [customerOperationJob],
  encryptedColumns: customerEncryptedColumns,
  // The customer 360 and list: a person's identifiers, orders, events, metrics and memberships beside the profile; view owners.
  reads: [
    'channels',
    'customer_identities',
    'customer_merges',
    'customer_metrics',
    'events',
    'order_items',
    'orders',
    'refunds',
    'segment_members',
    'shipments',
    'users',
  ],
  customerData: customersData,
});
export {
  countCustomers,
  customerEncryptedColumns,
  emailIndex,
  insertProfiles,
  phoneIndex,
  phoneTailIndex,
  reserveIds,
} from './customers.bulk.ts';
export type { NewCustomer } from './customers.bulk.ts';
export { presentFreeText, presentPii, revealAsked } from './present.ts';
export { normalizeEmail, normalizeExternalId, normalizePhone } from './normalize.ts';
export { maskPersonalCells, scrubPersonal } from './scrub.ts';
export { canonicalCity, canonicalProvince } from './regions.ts';
export { rememberAddresses, sightingOf } from './addresses.ts';
export { currentCustomerId, customerNames } from './customers.service.ts';
export { customerErrors } from './customers.errors.ts';
export { setTag } from './tags.service.ts';
export { listAttributes, writeCustomerAttributes } from './attributes.service.ts';
export { deleteCustomers, eraseProfile } from './removal.ts';
export {
  currentColumns,
  effectiveChanges,
  ensureAttributes,
  mergeAttributes,
  patchExpression,
  restoreBeforeImages,
} from './profile-changes.ts';
export type { BeforeImage, FillMode } from './profile-changes.ts';
export { createProfile, fillContact, patchProfiles, setMergedInto, updateProfile } from './profile-writes.ts';
export type { PatchRow } from './profile-writes.ts';
