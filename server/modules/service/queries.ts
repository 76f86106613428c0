import { type RawBuilder, sql } from 'kysely';
import type { ServiceSettings, TicketListQuery, TicketView } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';
import type { Principal } from '../../http/principal.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { customerNames } from '../customers/index.ts';
import { presentClocks } from './sla.ts';
import { complaintOf } from './complaints.ts';
import { serviceErrors } from './settings.ts';
import { lockTicket } from './tickets.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * Which tickets a reader may see: everything, or — for service agents when the desk says so — the tickets of the
 * queues they answer, assigned to them, or in no queue.
 */
export function visibleTo(p: Principal | null, s: ServiceSettings): RawBuilder<boolean> {
  if (p?.kind !== 'user' || p.role !== 'service_agent' || !s.agentsSeeOwnQueuesOnly) return sql<boolean>`true`;
  const mine = s.queues.filter((q) => q.agentIds.includes(p.id) || q.leadId === p.id).map((q) => q.key);
  return sql<boolean>`(t.assignee_id = ${p.id} or t.queue is null or t.queue = any(${mine}::text[]))`;
}

const VIEW_SQL = {
  all_open: () => sql`t.status in ('new', 'open', 'pending', 'on_hold')`,
  mine: (me: number | null) => sql`t.assignee_id = ${me} and t.status in ('new', 'open', 'pending', 'on_hold')`,
  unassigned: () => sql`t.assignee_id is null and t.status in ('new', 'open')`,
  pending: () => sql`t.status in ('pending', 'on_hold')`,
  solved: () => sql`t.status in ('solved', 'closed')`,
  // Driven from the clocks by due time (past due or due within the hour): the 2,000 most urgent running clocks, not a
  // test of every open ticket.
  breaching: () => sql`t.status in ('new', 'open') and t.id in (select k.ticket_id from sla_clocks k
    where k.met_at is null and k.due_at is not null and k.due_at < now() + interval '1 hour' order by k.due_at limit 2000)`,
} as const;

/** A page of tickets of a view (and filters), most recently updated first, each with its nearest running SLA time. */
export async function listTickets(db: Db, s: ServiceSettings, q: TicketListQuery, p: Principal | null) {
  const conds: RawBuilder<unknown>[] = [sql`t.merged_into is null`, VIEW_SQL[q.view](p?.kind === 'user' ? p.id : null), visibleTo(p, s)];
  if (q.status) conds.push(sql`t.status = ${q.status}`);
  if (q.type) conds.push(sql`t.type = ${q.type}`);
  if (q.priority) conds.push(sql`t.priority = ${q.priority}`);
  if (q.channel) conds.push(sql`t.channel = ${q.channel}`);
  if (q.queue) conds.push(sql`t.queue = ${q.queue}`);
  if (q.assigneeId) conds.push(sql`t.assignee_id = ${q.assigneeId}`);
  if (q.customerId) conds.push(sql`t.customer_id = ${q.customerId}`);
  if (q.tag) conds.push(sql`${q.tag} = any(t.tags)`);
  if (q.q) {
    const id = /^#?(\d{1,12})$/.exec(q.q)?.[1];
    conds.push(id ? sql`t.id = ${Number(id)}` : sql`t.subject ilike ${`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  }
  const where = sql.join(conds, sql` and `);
  const [rows, total] = await Promise.all([
    sql<{
      id: number;
      subject: string;
      type: string;
      priority: string;
      status: string;
      channel: string;
      customer_id: number | null;
      queue: string | null;
      assignee_id: number | null;
      assignee_name: string | null;
      tags: string[];
      created_at: Date;
      updated_at: Date;
      next_due: Date | null;
      breached: boolean;
    }>`
      select t.id, t.subject, t.type, t.priority, t.status, t.channel, t.customer_id, t.queue, t.assignee_id, u.name as assignee_name, t.tags,
        t.created_at, t.updated_at,
        (select min(k.due_at) from sla_clocks k where k.ticket_id = t.id and k.met_at is null) as next_due,
        -- An aggregate, not exists (…): the planner may answer an exists for a page by scanning every clock of the store
        -- into a hash (135 ms a page at 285,714 clocks); a value computed from the ticket's own clocks it reads by key.
        (select coalesce(bool_or(k.breached_at is not null), false) from sla_clocks k where k.ticket_id = t.id and k.met_at is null) as breached
      from tickets t left join users u on u.id = t.assignee_id
      where ${where}
      order by t.updated_at desc, t.id desc limit ${q.limit} offset ${q.offset}`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from (select 1 from tickets t where ${where} limit 10001) x`.execute(db),
  ]);
  const names = await customerNames(
    db,
    rows.rows.flatMap((r) => (r.customer_id === null ? [] : [Number(r.customer_id)])),
  );
  return {
    items: rows.rows.map((r) => ({
      id: Number(r.id),
      subject: r.subject,
      type: r.type as never,
      priority: r.priority as never,
      status: r.status as never,
      channel: r.channel as never,
      customerId: r.customer_id === null ? null : Number(r.customer_id),
      customerName: r.customer_id === null ? null : (names.get(Number(r.customer_id)) ?? null),
      queue: r.queue,
      assigneeId: r.assignee_id === null ? null : Number(r.assignee_id),
      assigneeName: r.assignee_name,
      tags: r.tags,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      nextDueAt: iso(r.next_due),
      breached: r.breached,
    })),
    total: total.rows[0].n,
  };
}

/**
 * A ticket with its conversation (decrypted for the reader), SLA clocks, CSAT and who else has it open; reading it
 * marks the reader as viewing it (the collision warning others see for a minute).
 */
export async function ticketDetail(
  db: Db,
  keyring: Keyring,
  s: ServiceSettings,
  id: number,
  p: Principal | null,
  now: Date,
): Promise<TicketView> {
  const t = await db.selectFrom('tickets as t').selectAll('t').where('t.id', '=', id).where(visibleTo(p, s)).executeTakeFirst();
  if (!t) throw serviceErrors.notFound(id);
  if (p?.kind === 'user')
    await db
      .insertInto('ticket_viewers')
      .values({ ticket_id: id, user_id: p.id, seen_at: now })
      .onConflict((oc) => oc.columns(['ticket_id', 'user_id']).doUpdateSet({ seen_at: now }))
      .execute();
  const [messages, attachments, clocks, csat, viewers, names] = await Promise.all([
    sql<{
      id: number;
      author: string;
      user_id: number | null;
      user_name: string | null;
      channel: string;
      body_enc: string;
      created_at: Date;
      delivery: string | null;
    }>`
      select m.id, m.author, m.user_id, u.name as user_name, m.channel, m.body_enc, m.created_at, o.status as delivery
      from ticket_messages m left join users u on u.id = m.user_id left join messages o on o.id = m.outbox_id
      where m.ticket_id = ${id} order by m.created_at, m.id`.execute(db),
    db
      .selectFrom('ticket_attachments')
      .select(['id', 'message_id', 'file_name', 'content_type', 'size'])
      .where('ticket_id', '=', id)
      .execute(),
    db.selectFrom('sla_clocks').selectAll().where('ticket_id', '=', id).orderBy('metric').execute(),
    db
      .selectFrom('feedback_requests')
      .select(['send_at', 'sent_at', 'rating', 'comment'])
      .where('subject_type', '=', 'ticket')
      .where('subject_id', '=', id)
      .executeTakeFirst(),
    sql<{ user_id: number; name: string }>`select v.user_id, u.name from ticket_viewers v join users u on u.id = v.user_id
      where v.ticket_id = ${id} and v.seen_at > ${new Date(now.getTime() - 60_000)} and v.user_id <> ${p?.kind === 'user' ? p.id : 0}`.execute(
      db,
    ),
    t.customer_id === null ? new Map<number, string | null>() : customerNames(db, [Number(t.customer_id)]),
  ]);
  const assignee =
    t.assignee_id === null ? null : await db.selectFrom('users').select('name').where('id', '=', t.assignee_id).executeTakeFirst();
  return {
    id: Number(t.id),
    subject: t.subject,
    type: t.type,
    priority: t.priority,
    status: t.status,
    channel: t.channel,
    customerId: t.customer_id === null ? null : Number(t.customer_id),
    customerName: t.customer_id === null ? null : (names.get(Number(t.customer_id)) ?? null),
    queue: t.queue,
    assigneeId: t.assignee_id === null ? null : Number(t.assignee_id),
    assigneeName: assignee?.name ?? null,
    tags: t.tags,
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
    nextDueAt: iso(
      clocks
        .filter((c) => c.due_at && !c.met_at)
        .map((c) => c.due_at as Date)
        .sort((a, b) => +a - +b)[0] ?? null,
    ),
    breached: clocks.some((c) => c.breached_at && !c.met_at),
    orderRefs: t.order_refs,
    fields: t.fields as Record<string, unknown>,
    mergedInto: t.merged_into === null ? null : Number(t.merged_into),
    slaPolicy: t.sla_policy,
    csatSkip: t.csat_skip,
    firstRepliedAt: iso(t.first_replied_at),
    solvedAt: iso(t.solved_at),
    messages: messages.rows.map((m) => ({
      id: Number(m.id),
      author: m.author as never,
      userId: m.user_id === null ? null : Number(m.user_id),
      userName: m.user_name,
      channel: m.channel,
      body: decryptField(keyring, m.body_enc),
      createdAt: m.created_at.toISOString(),
      delivery: m.delivery,
      attachments: attachments
        .filter((a) => Number(a.message_id) === Number(m.id))
        .map((a) => ({ id: Number(a.id), fileName: a.file_name, contentType: a.content_type, size: a.size })),
    })),
    sla: presentClocks(s, { ...t, id: Number(t.id) }, clocks, now),
    csat: csat ? { sendAt: csat.send_at.toISOString(), sentAt: iso(csat.sent_at), rating: csat.rating, comment: csat.comment } : null,
    viewers: viewers.rows.map((v) => ({ userId: Number(v.user_id), name: v.name })),
    complaint: await complaintOf(db, id),
  };
}

/** Refuses a ticket the reader may not see (as if it did not exist). */
export async function assertVisible(db: Db, s: ServiceSettings, id: number, p: Principal | null): Promise<void> {
  const ok = await db.selectFrom('tickets as t').select('t.id').where('t.id', '=', id).where(visibleTo(p, s)).executeTakeFirst();
  if (!ok) throw serviceErrors.notFound(id);
}

/** A ticket the reader may see, locked (for a change through the API). */
export async function lockVisible(trx: Db, s: ServiceSettings, id: number, p: Principal | null) {
  await assertVisible(trx, s, id, p);
  return lockTicket(trx, id);
}

/** An attachment of a ticket the reader may see. */
export async function attachmentOf(db: Db, s: ServiceSettings, ticketId: number, attachmentId: number, p: Principal | null) {
  const a = await db
    .selectFrom('ticket_attachments as a')
    .innerJoin('tickets as t', 't.id', 'a.ticket_id')
    .select(['a.file_name', 'a.content_type', 'a.data'])
    .where('a.id', '=', attachmentId)
    .where('a.ticket_id', '=', ticketId)
    .where(visibleTo(p, s))
    .executeTakeFirst();
  if (!a) throw serviceErrors.notFound(ticketId);
  return a;
}

/** Alerts for an agent: SLA warnings and breaches, mentions and assignments naming them, newest first. */
export async function alertsOf(db: Db, userId: number, since: Date) {
  const rows = await sql<{ id: number; ticket_id: number; subject: string; action: string; detail: unknown; at: Date }>`
    select e.id, e.ticket_id, t.subject, e.action, e.detail, e.at from ticket_events e join tickets t on t.id = e.ticket_id
    where e.at >= ${since} and e.detail -> 'notify' @> ${JSON.stringify([userId])}::jsonb
    order by e.id desc limit 100`.execute(db);
  return rows.rows.map((r) => ({
    id: Number(r.id),
    ticketId: Number(r.ticket_id),
    subject: r.subject,
    action: r.action,
    detail: r.detail,
    at: r.at.toISOString(),
  }));
}
