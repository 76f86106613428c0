import type { SearchHit } from '../../../contracts/knowledge.ts';
import type { AppContext } from '../../platform/context.ts';
import { decryptField } from '../../platform/crypto.ts';
import { knowledgeErrors } from './articles.ts';
import { searchArticles } from './search.ts';

/** Articles for a ticket's question: its subject and the customer's latest message (internal articles included). */
export async function suggestForTicket(ctx: AppContext, ticketId: number): Promise<SearchHit[]> {
  const t = await ctx.db.selectFrom('tickets').select(['subject']).where('id', '=', ticketId).executeTakeFirst();
  if (!t) throw knowledgeErrors.ticketNotFound(ticketId);
  const last = await ctx.db
    .selectFrom('ticket_messages')
    .select('body_enc')
    .where('ticket_id', '=', ticketId)
    .where('author', '=', 'customer')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const q = `${t.subject} ${last ? decryptField(ctx.keyring, last.body_enc).slice(0, 300) : ''}`.trim();
  return searchArticles(ctx.db, ctx.config.publicUrl, { q, limit: 5, internal: true, source: null, now: ctx.clock.now() });
}
