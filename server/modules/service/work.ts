import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.ts';
import { attachVisitorTickets } from './chat.ts';
import { escalateComplaints } from './complaints.ts';
import { sendDueCsat } from './csat.ts';
import { serviceSettingsOf } from './settings.ts';
import { slaTick } from './sla.ts';
import { recordTicketEvent } from './trail.ts';

/**
 * The desk's clock, every few seconds in every working process: SLA warnings and breaches that fell due, CSAT
 * requests due, complaints left unanswered escalated, solved tickets past the close window closed, chats of visitors who have since identified given their
 * person, stale "viewing" marks dropped. Returns what it did.
 */
export async function serviceTick(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const s = await serviceSettingsOf(ctx.db);
  const sla = await slaTick(ctx.db, s, now);
  const csat = await sendDueCsat(ctx, s, now);
  const escalated = await escalateComplaints(ctx.db, s, now);
  const closed = await ctx.db.transaction().execute(async (trx) => {
    const rows = await sql<{ id: number }>`
      update tickets set status = 'closed', closed_at = ${now}, updated_at = ${now}
      where id in (select id from tickets where status = 'solved' and solved_at < ${new Date(now.getTime() - s.closeAfterDays * 86_400_000)}
        order by solved_at limit 1000 for update skip locked)
      returning id`.execute(trx);
    for (const r of rows.rows)
      await recordTicketEvent(trx, Number(r.id), 'system', 'status', { from: 'solved', to: 'closed', rule: 'close_after' }, now);
    return rows.rows.length;
  });
  const attached = await attachVisitorTickets(ctx.db, now);
  await ctx.db
    .deleteFrom('ticket_viewers')
    .where('seen_at', '<', new Date(now.getTime() - 10 * 60_000))
    .execute();
  return sla.warned + sla.breached + csat + escalated + closed + attached.length;
}
