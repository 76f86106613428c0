export { countCustomers, customerEncryptedColumns, emailIndex, insertCustomers, phoneIndex, reserveIds } from './customers.bulk.ts';
export type { NewCustomer } from './customers.bulk.ts';
export { normalizeEmail, normalizePhone } from './normalize.ts';
