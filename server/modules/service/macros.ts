import type { ServiceSettings } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { customerNames } from '../customers/index.ts';
import { renderText } from '../messaging/index.ts';
import { getStoreSettings } from '../system/index.ts';
import { serviceErrors } from './settings.ts';
import { lockTicket, updateTicket } from './tickets.ts';

type Ctx = { db: Db; keyring: Keyring; now: Date; settings: ServiceSettings };

/**
 * Applies a macro to a ticket: its actions (status, tags, priority, assign to the caller) at once, in the ticket's
 * trail; its reply rendered (LiquidJS over `customer.name`, `ticket.id`, `ticket.subject`, `agent.name`) and returned as
 * a draft the agent edits and sends.
 */
export async function applyMacro(trx: Db, c: Ctx, ticketId: number, key: string, actor: Actor): Promise<string> {
  const macro = c.settings.macros.find((m) => m.key === key);
  if (!macro) throw serviceErrors.macroNotFound(key);
  const t = await lockTicket(trx, ticketId);
  const names = t.customer_id === null ? new Map() : await customerNames(trx, [Number(t.customer_id)]);
  const store = await getStoreSettings(trx, { timeZone: c.settings.calendar.timeZone });
  const draft = await renderText(
    macro.body,
    {
      customer: { name: names.get(Number(t.customer_id)) ?? '' },
      ticket: { id: ticketId, subject: t.subject },
      agent: { name: actor.type === 'user' ? actor.label : '' },
    },
    { timeZone: store.timeZone, currency: store.currency, language: 'zh-CN' },
  );
  await updateTicket(
    trx,
    c,
    ticketId,
    {
      ...(macro.status ? { status: macro.status } : {}),
      ...(macro.priority ? { priority: macro.priority } : {}),
      ...(macro.addTags.length > 0 ? { tags: [...new Set([...t.tags, ...macro.addTags])] } : {}),
      ...(macro.assignToSelf && actor.type === 'user' && actor.id !== null ? { assigneeId: actor.id } : {}),
    },
    actor,
  );
  return draft;
}
