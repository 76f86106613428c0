import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';

/** Who did something to a ticket, as its trail names them. */
export const actorLabel = (a: Actor | 'system' | 'customer') =>
  typeof a === 'string'
    ? a
    : a.type === 'user'
      ? `user:${a.id}:${a.label}`
      : a.type === 'api_key'
        ? `api_key:${a.id}:${a.label}`
        : 'system';

/** One line of a ticket's own audit trail. `detail.notify` (user ids) makes it an alert for those agents. */
export async function recordTicketEvent(
  trx: Db,
  ticketId: number,
  actor: Actor | 'system' | 'customer',
  action: string,
  detail: Record<string, unknown>,
  at: Date,
): Promise<void> {
  await trx
    .insertInto('ticket_events')
    .values({ ticket_id: ticketId, actor: actorLabel(actor), action, detail: JSON.stringify(detail), at })
    .execute();
}
