import { attributeRoutes } from './attributes.routes.ts';
import { customerRoutes } from './customers.routes.ts';
import { customerOperationJob } from './operations.ts';
import { customerSettingsRoutes } from './settings.routes.ts';
import { viewRoutes } from './views.routes.ts';

export const customersModule = { routes: [...customerRoutes, ...attributeRoutes, ...viewRoutes, ...customerSettingsRoutes], jobs: [customerOperationJob] };
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
export { forgetPersonalExtras, rememberAddresses, sightingOf } from './addresses.ts';
