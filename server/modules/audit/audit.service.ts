import { sql } from 'kysely';
import type { AuditEntry } from '../../../contracts/audit.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';

export type RecordAuditOptions = {
  actor: Actor;
  action: string;
  target?: { type: string; id: string | number };
  before?: unknown;
  after?: unknown;
  details?: unknown;
};

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * Appends one audit entry. Call it with the transaction of the change it records, so the entry
 * exists exactly when the change does. The table rejects updates and deletes (trigger).
 */
export async function recordAudit(db: Db, opts: RecordAuditOptions): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_type: opts.actor.type,
      actor_id: opts.actor.id,
      actor_label: opts.actor.label,
      action: opts.action,
      target_type: opts.target?.type ?? null,
      target_id: opts.target ? String(opts.target.id) : null,
      ip: opts.actor.ip,
      before: json(opts.before),
      after: json(opts.after),
      details: json(opts.details),
    })
    .execute();
}

export type ListAuditOptions = {
  limit: number;
  offset: number;
  action?: string;
  actor?: string;
  targetType?: string;
  from?: string;
  to?: string;
};

export async function listAudit(db: Db, opts: ListAuditOptions): Promise<{ items: AuditEntry[]; total: number }> {
  let q = db.selectFrom('audit_log');
  if (opts.action) q = q.where('action', 'like', `${opts.action.replace(/[\\%_]/g, '\\$&')}%`);
  if (opts.actor) q = q.where('actor_label', 'ilike', `%${opts.actor.replace(/[\\%_]/g, '\\$&')}%`);
  if (opts.targetType) q = q.where('target_type', '=', opts.targetType);
  if (opts.from) q = q.where('at', '>=', new Date(opts.from));
  if (opts.to) q = q.where('at', '<', new Date(opts.to));
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: count.n,
    items: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorLabel: r.actor_label,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      before: r.before ?? null,
      after: r.after ?? null,
      details: r.details ?? null,
    })),
  };
}

export async function listAuditActions(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute();
  return rows.map((r) => r.action);
}
