import type { CreateReturnBody, MoveReturnBody } from '../../../contracts/returns.ts';
import { defineModule } from '../../module.ts';
import type { AppContext } from '../../platform/context.ts';
import { createReturn, move, returnEnvOf } from './requests.ts';
import { returnsData, returnsFields, returnsPanel } from './customer-data.ts';
import { marketplaceReturns } from './marketplace.ts';
import { registerReturnPages } from './page.http.ts';
import { returnsRoutes } from './returns.routes.ts';
import { ensureReturnTemplates } from './templates.ts';

/**
 * Returns and exchanges (RMA): requests per order line, auto-approval rules, the parcel back, inspection per line,
 * resolution as a refund through commerce, a replacement order or store credit through loyalty; the customer's signed
 * pages and a message at each state; marketplace refunds in the same list; the return-rate and root-cause report.
 */
export const returnsModule = defineModule({
  name: 'returns',
  routes: returnsRoutes,
  plugins: [registerReturnPages],
  subscriptions: [marketplaceReturns],
  encryptedColumns: [{ table: 'return_requests', idColumn: 'id', columns: ['note_enc'] }],
  customerData: returnsData,
  segmentFields: returnsFields,
  panels: [returnsPanel],
  prepare: async (db) => ensureReturnTemplates(db, new Date()),
  // A return is of an order's lines (what was bought, through which channel, refunded how much); auto-approval looks
  // for the person's watch tag; the root-cause report counts complaints beside returns.
  reads: ['orders', 'order_items', 'channels', 'refunds', 'customers', 'customer_tags', 'tickets', 'ticket_complaints'],
});
export { returnOrderUrl } from './templates.ts';

/** Asks for a return as the API would (a demo store, a test): the store's settings, the context's clock. */
export async function requestReturn(ctx: AppContext, body: CreateReturnBody, actor: string): Promise<number> {
  const env = await returnEnvOf(ctx);
  return ctx.db.transaction().execute((trx) => createReturn(trx, env, body, actor));
}

/** Moves a return along as the API would. */
export async function moveReturn(ctx: AppContext, id: number, body: MoveReturnBody, actor: string): Promise<void> {
  const env = await returnEnvOf(ctx);
  await ctx.db.transaction().execute((trx) => move(trx, env, id, body, actor));
}
