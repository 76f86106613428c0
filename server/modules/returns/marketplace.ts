import { sql } from 'kysely';
import type { EventSubscription } from '../../events/index.ts';
import type { DomainEventPayload } from '../../../contracts/events.ts';
import { encryptField } from '../../platform/crypto.ts';
import { emit } from '../../events/index.ts';

/**
 * Refunds recorded from elsewhere — a marketplace's after-sale (Taobao refund status, Douyin 售后), a Shopify refund, a
 * returns file — appear in the returns list beside Patron's own requests, resolved as refunds, once per refund. Their
 * reason is the store's reason key when the source's text is one, else `other` with the text kept as the note.
 */
export const marketplaceReturns: EventSubscription = {
  name: 'returns-from-refunds',
  types: ['order.refunded'],
  handle: async (event, ctx) => {
    const { orderId } = event.payload as DomainEventPayload<'order.refunded'>;
    const now = ctx.clock.now();
    const refunds = await sql<{
      id: number;
      customer_id: number;
      external_id: string;
      amount: number;
      reason: string | null;
      source: string;
      refunded_at: Date;
    }>`
      select f.id, f.customer_id, f.external_id, f.amount, f.reason, f.source, f.refunded_at from refunds f
      where f.order_id = ${orderId} and f.source <> 'returns'
        and not exists (select 1 from return_requests r where r.origin = f.source and r.external_ref = f.external_id)`.execute(ctx.db);
    for (const f of refunds.rows) {
      const reason = f.reason && /^[a-z0-9_]{1,40}$/.test(f.reason) ? f.reason : 'other';
      const row = await ctx.db
        .insertInto('return_requests')
        .values({
          customer_id: f.customer_id,
          order_id: orderId,
          origin: f.source,
          external_ref: f.external_id,
          state: 'resolved',
          reason,
          note_enc: f.reason && reason === 'other' ? encryptField(ctx.keyring, f.reason) : null,
          resolution: 'refund',
          refund_amount: f.amount,
          refund_ref: f.external_id,
          created_at: f.refunded_at,
          updated_at: now,
          state_at: f.refunded_at,
        })
        .onConflict((oc) => oc.columns(['origin', 'external_ref']).where('external_ref', 'is not', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!row) continue;
      const id = Number(row.id);
      await ctx.db
        .insertInto('return_events')
        .values({ return_id: id, from_state: null, to_state: 'resolved', actor: f.source, note: null, at: f.refunded_at })
        .execute();
      await emit(ctx.db, {
        key: `return:${id}:resolved`,
        type: 'return.updated',
        customerId: f.customer_id,
        occurredAt: f.refunded_at,
        payload: { returnId: id, orderId, from: null, state: 'resolved', origin: f.source, resolution: 'refund' },
      });
    }
  },
};
