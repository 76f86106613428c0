import { defineModule } from '../../module.ts';
import { ingestData } from './customer-data.ts';
import { importRoutes } from './import/import.routes.ts';
import { importJob } from './import/uploads.ts';
import { integrationRoutes } from './integrations.routes.ts';
import { restRoutes } from './rest.routes.ts';
import { registerWebhooks } from './webhooks.http.ts';
import { ingestGauges } from './gauges.ts';

export const ingestModule = defineModule({
  name: 'ingest',
  gauges: ingestGauges,
  routes: [...integrationRoutes, ...importRoutes, ...restRoutes],
  jobs: [importJob],
  plugins: [registerWebhooks],
  /** Signing secrets are stored encrypted (re-encrypted by key rotation). */
  encryptedColumns: [{ table: 'integrations', idColumn: 'id', columns: ['secret_enc'] }],
  customerData: ingestData,
  // Matching rows to what exists: a webhook's order and buyer, a file's products and orders by their ids.
  reads: ['channels', 'customer_identities', 'order_items', 'orders', 'products'],
});
export { createIntegration } from './integrations.service.ts';
export { runImport } from './import/import.service.ts';
export { hasRejected, rejectedRowsCsv } from './import/rejected.ts';
export { ENCODINGS, type Encoding, decodeText, detectEncoding } from './import/encoding.ts';
export { makeDateParser } from './import/dates.ts';
export type { ImportSummary, RunImportOptions } from './import/import.service.ts';
export { matchColumns, parseMapArg, suggestMapping } from './import/mapping.ts';
export { undoImport } from './import/undo.service.ts';
